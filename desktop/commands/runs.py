"""`agentdesk run GOAL` runs the agent in a terminal; `agentdesk runs` lists and shows runs.

The run prints its events live (readable lines, or JSON lines with --json) and asks on the
terminal when the policy says ask. Exit codes: 0 finished, 1 failed, 2 budget exhausted,
130 cancelled (Ctrl+C). Core modules (and asyncio) are imported in the handlers: the window
starts through the same parser and must not pay for them before its first paint.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from desktop.commands.common import (
    add_demo_flag,
    default_model,
    fail,
    keep_profile,
    model_client,
    open_store,
    profile_name,
)
from desktop.core.wording import counted

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.core.agent.recorder import ActiveRun
    from desktop.core.agent.workspace import Workspace
    from desktop.core.events import ApprovalNeeded, RunEvent
    from desktop.core.model.client import ModelClient
    from desktop.core.store.database import Store

    Begin = Callable[[Store, ModelClient], ActiveRun]

EXIT_CODES = {"finished": 0, "failed": 1, "budget_exhausted": 2, "cancelled": 130}
RESULT_PREVIEW_LINES = 6
FILES_SHOWN = 5
_PAST = {"finished": "finished", "failed": "failed", "cancelled": "was stopped",
         "budget_exhausted": "ran out of budget", "interrupted": "was interrupted"}


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="give the agent a goal and watch it work")
    run.add_argument("goal", help="what the agent should achieve")
    run.add_argument("--workspace", default=".", help="the folder it works in (default: here)")
    run_options(run)
    run.add_argument("--model", help="model id (default: the app's default model)")
    run.set_defaults(handler=run_goal)

    runs = sub.add_parser("runs", help="list agent runs, or show one")
    runs.add_argument("--json", action="store_true", help="one JSON object per line")
    runs.set_defaults(handler=list_runs)
    actions = runs.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="print a run's transcript")
    show.add_argument("id", type=int)
    show.add_argument("--format", choices=("md", "json", "sent"), default="md",
                      help="md to read, json with every event, or sent: the messages its "
                      "model is sent next (after any compaction)")
    show.set_defaults(handler=show_run)
    go_on = actions.add_parser(
        "continue", help="go on with an interrupted run, or give an ended one a follow-up"
    )
    go_on.add_argument("id", type=int)
    go_on.add_argument("message", nargs="?", default="", help="the follow-up instruction")
    go_on.add_argument("--model", help="the model to go on with (default: the run's own)")
    run_options(go_on)
    go_on.set_defaults(handler=continue_goal)
    from desktop.commands import rewind  # it builds on this module's run options

    rewind.register(actions)


def run_options(parser: argparse.ArgumentParser) -> None:
    """The options of a command that starts or continues a run."""
    parser.add_argument(
        "--approve",
        choices=("all", "reads", "none"),
        help="answer approvals without asking: all allows everything, reads only reading "
        "tools, none denies whatever would ask (default: ask on the terminal, or deny "
        "when there is none)",
    )
    parser.add_argument("--max-steps", type=int, help="stop after this many model turns (30)")
    parser.add_argument("--sandbox", choices=("on", "off"),
                        help="run commands jailed in the workspace, or as you (default: Settings)")
    parser.add_argument("--network", choices=("off", "allow", "on"),
                        help="sandboxed commands' network: none, the allowed domains, or all "
                        "(default: Settings)")
    parser.add_argument(
        "--context-window", type=int, default=0, metavar="TOKENS",
        help="the model's context window, for compaction (default: the provider profile's, "
        "else known for Claude models)",
    )
    parser.add_argument("--json", action="store_true", help="print events as JSON lines")
    add_demo_flag(parser)


def run_goal(args: argparse.Namespace) -> int:
    from desktop.core.agent.workspace import Workspace

    return _drive(args, lambda store, client: _start(store, client, Workspace(args.workspace),
                                                     args))


def continue_goal(args: argparse.Namespace) -> int:
    keep_profile(args, _recorded_profile(args.id))
    return _drive(args, lambda store, client: _continue(store, client, args))


def fork_goal(args: argparse.Namespace) -> int:
    """Go on from run `args.id` as it was before its event `args.to`: a new run forked there,
    told `args.instruction` (the workspace was just rewound to match)."""
    keep_profile(args, _recorded_profile(args.id))
    return _drive(args, lambda store, client: _fork(store, client, args))


def _recorded_profile(run_id: int) -> str:
    """The provider profile run `run_id` talks to ('' if it is unknown or was not kept)."""
    from desktop.core.store.database import NotFound, StoreError

    try:
        store = open_store()
    except StoreError:
        return ""
    try:
        return store.run(run_id).provider
    except (NotFound, StoreError):
        return ""
    finally:
        store.close()


def _drive(args: argparse.Namespace, begin: Begin) -> int:
    """Open the store and the client, start the run with `begin`, and show it to its end."""
    import asyncio

    from desktop.core.agent.workspace import WorkspaceError
    from desktop.core.store.database import StoreError

    if args.max_steps is not None and args.max_steps < 1:
        return fail("--max-steps must be at least 1")
    if getattr(args, "goal", "x").strip() == "":
        return fail("the goal is empty", 2)
    try:
        store = open_store()
    except StoreError as exc:
        return fail(str(exc))
    try:
        with model_client(args) as client:
            return asyncio.run(_run(store, client, begin, args))
    except (StoreError, WorkspaceError, ValueError) as exc:
        return fail(str(exc))
    except BrokenPipeError:  # the reader left (`| head`); the run was cancelled with it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CODES["cancelled"]
    finally:
        store.close()


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """How the run may go: its budget, approval policy, thinking budget, context limits and
    command executor, from the options, else Settings (and the provider profile's window)."""
    from desktop.core import settings
    from desktop.core.agent.compaction import ContextLimits
    from desktop.core.agent.permissions import Policy
    from desktop.core.agent.sandbox import executor_for, fallback_notice, run_policy
    from desktop.core.events import Budget

    defaults = settings.load()
    profile = defaults.current_provider(getattr(args, "provider", None) or "")
    window = args.context_window or profile.context_window
    context = ContextLimits(window, defaults.compact_at)
    budget = Budget(
        max_steps=args.max_steps or defaults.max_steps,
        max_cost_usd=defaults.max_cost_usd,
        max_wall_s=defaults.max_wall_s,
    )
    sandboxed = None if args.sandbox is None else args.sandbox == "on"
    executor = executor_for(defaults, sandboxed=sandboxed, network=args.network)
    if notice := fallback_notice(defaults):
        print(notice, file=sys.stderr)
    policy = run_policy(
        Policy.from_approve(args.approve or defaults.approval_policy), executor, defaults
    )
    return {"policy": policy, "budget": budget, "thinking_budget": defaults.thinking_budget,
            "max_tokens": defaults.agent_max_tokens, "context": context, "executor": executor}


def _start(
    store: Store, client: ModelClient, workspace: Workspace, args: argparse.Namespace
) -> ActiveRun:
    from desktop.core.agent.recorder import start_run

    return start_run(store, client, args.goal, workspace, model=_model(args),
                     provider=profile_name(args), **_options(args))


def _fork(store: Store, client: ModelClient, args: argparse.Namespace) -> ActiveRun:
    from desktop.core.agent.fork import fork_at
    from desktop.core.agent.recorder import start_run

    parent, seq = store.run(args.id), args.to - 1
    fork = fork_at(args.id, store.events(args.id, seq), seq, args.instruction)
    return start_run(store, client, args.instruction, parent.workspace, model=parent.model,
                     fork=fork, provider=profile_name(args), **_options(args))


def _continue(store: Store, client: ModelClient, args: argparse.Namespace) -> ActiveRun:
    from desktop.core.agent.recorder import continue_run

    return continue_run(store, client, args.id, args.message, model=args.model or "",
                        **_options(args))


async def _run(
    store: Store, client: ModelClient, begin: Begin, args: argparse.Namespace
) -> int:
    import asyncio

    from desktop.core.events import ApprovalNeeded

    run = begin(store, client)
    show = _json_line if args.json else _Terminal().show
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
        loop.add_signal_handler(signal.SIGINT, run.cancel)
    questions: set[asyncio.Task[None]] = set()
    try:
        async for event in run:
            show(event)
            if isinstance(event, ApprovalNeeded):  # asked aside, so Ctrl+C still cancels
                questions.add(asyncio.create_task(_answer(event)))
    finally:
        for question in questions:
            question.cancel()
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGINT)
        await client.aclose()
    print(f"[run {run.run_id}]", file=sys.stderr)
    return EXIT_CODES.get(run.status, 1)


def _model(args: argparse.Namespace) -> str:
    return args.model or default_model(args)


# --- approvals on the terminal ------------------------------------------------------------


async def _answer(request: ApprovalNeeded) -> None:
    from desktop.core.events import Decision

    if not sys.stdin.isatty():
        request.resolve(Decision(allow=False, reason="no terminal to ask"))
        return
    reply = await _read_line(f"Allow {request.name}? [y]es / [a]lways / [n]o: ")
    choice = reply.strip().lower()
    if choice in ("y", "yes"):
        request.resolve(Decision(allow=True))
    elif choice in ("a", "always"):
        request.resolve(Decision(allow=True, always=True))
    else:
        reason = await _read_line("Why not? (the agent reads this; Enter to skip): ")
        request.resolve(Decision(allow=False, reason=reason.strip() or "the user said no"))


async def _read_line(prompt: str) -> str:
    """A line from the terminal without blocking the loop, so Ctrl+C can still cancel."""
    import asyncio

    print(prompt, end="", file=sys.stderr, flush=True)
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()
    line: asyncio.Future[str] = loop.create_future()

    def on_readable() -> None:
        if not line.done():
            line.set_result(os.read(fd, 4096).decode(errors="replace"))

    try:
        loop.add_reader(fd, on_readable)
    except NotImplementedError:  # Windows' proactor loop cannot watch a console
        return await asyncio.to_thread(sys.stdin.readline)
    try:
        return await line
    finally:
        loop.remove_reader(fd)


# --- printing events ----------------------------------------------------------------------


def _json_line(event: RunEvent) -> None:
    from desktop.core.events import to_record

    kind, data = to_record(event)
    print(json.dumps({"type": kind, **data}, ensure_ascii=False), flush=True)


class _Terminal:
    """Readable lines for a run: streamed text and output as they come, the rest one per line."""

    def __init__(self) -> None:
        self.mid_line = False  # streamed text left the cursor after some characters
        self.streamed_calls: set[str] = set()
        self.totals = ""
        self.thinking_shown = False

    def write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()
        if text:
            self.mid_line = not text.endswith("\n")

    def line(self, text: str) -> None:
        self.write(("\n" if self.mid_line else "") + text + "\n")

    def show(self, event: RunEvent) -> None:
        from desktop.core import events as ev

        match event:
            case ev.RunStarted(run_id=run_id, goal=goal, workspace=workspace, model=model):
                limits = f" · budget {event.budget.text()}" if event.budget else ""
                self.line(f"run {run_id}: {goal}\n  workspace {workspace} · model {model}{limits}")
            case ev.RunResumed(message=message, previous_status=previous):
                said = f": {message}" if message else ""
                self.line(f"== continued after it {_PAST.get(previous, previous)}{said}")
            case ev.StepStarted(step=step):
                self.line(f"== step {step}")
                self.thinking_shown = False
            case ev.ThinkingDelta() if not self.thinking_shown:
                print("[thinking…]", file=sys.stderr)
                self.thinking_shown = True
            case ev.ThinkingDelta():
                pass
            case ev.AppMessage(text=text):
                self.line(f"-> (to the model) {text}")
            case ev.TextDelta(text=text):
                self.write(text)
            case ev.AgentMessage():
                if self.mid_line:
                    self.write("\n")
            case ev.Retrying() as retrying:
                print(f"[{retrying.notice}]", file=sys.stderr)
            case ev.PlanUpdated(items=items):
                marks = {"done": "[x]", "in_progress": "[>]", "pending": "[ ]"}
                self.line("plan:\n" + "\n".join(f"  {marks[i.status]} {i.text}" for i in items))
            case ev.ToolCallStarted(name="update_plan") | ev.CommandStarted():
                pass  # the PlanUpdated that follows shows the plan; the preview said where
            case ev.UsageUpdated(usage=usage, step=step):
                used = usage.input_tokens + usage.output_tokens
                self.totals = f"{counted(step, 'step')} · {used:,} tokens · ${usage.cost_usd:.4f}"
            case ev.ToolCallStarted(name=name, input=arguments):
                self.line(f"-> {name} {_compact(arguments)}")
            case ev.ToolOutput(call_id=call_id, chunk=chunk):
                self.streamed_calls.add(call_id)
                self.write(chunk)
            case ev.ApprovalNeeded(name=name, preview=preview):
                self.line(f"?? {name} needs approval:\n{_indent(preview, '   ')}")
            case ev.ApprovalResolved(allow=allow, always=always, reason=reason):
                answer = "allowed" + (" for this run" if always else "")
                self.line(f"   {answer if allow else 'denied: ' + reason}")
            case ev.ToolCallFinished(name="update_plan", is_error=False):
                pass
            case ev.WorkspaceChanged(changes=changes):
                shown = ", ".join(c.path for c in changes[:FILES_SHOWN])
                more = len(changes) - FILES_SHOWN
                self.line(f"   files changed: {shown}" + (f" and {more} more" if more > 0 else ""))
            case ev.ToolCallFinished() as finished:
                self.line(self._result(finished))
            case ev.McpServerStarted(server=server, tools=tools):
                self.line(f"mcp: {server} is ready ({counted(len(tools), 'tool')})")
            case ev.McpServerRestarted(server=server, reason=reason):
                self.line(f"mcp: {server} stopped ({reason}) and was started again")
            case ev.McpServerFailed(server=server, error=error, stderr=stderr):
                tail = "".join(f"\n   | {line}" for line in stderr.splitlines()[-5:])
                self.line(f"mcp: {server} failed: {error}{tail}")
            case _:
                self.line(f"{_ending(event)} ({self.totals})" if self.totals else _ending(event))

    def _result(self, finished: Any) -> str:
        mark = "<- error" if finished.is_error else "<- ok"
        lines = finished.result.rstrip("\n").splitlines() or [""]
        if finished.call_id in self.streamed_calls:  # the output is on screen already
            lines = lines[-1:]
        shown = lines[:RESULT_PREVIEW_LINES]
        if len(lines) > len(shown):
            shown.append(f"... {counted(len(lines) - len(shown), 'more line')}")
        return f"{mark} ({finished.duration_s:.2f} s)\n{_indent(chr(10).join(shown), '   ')}"


def _ending(event: RunEvent) -> str:
    from desktop.core import events as ev

    match event:
        case ev.RunFinished():
            return "== finished"
        case ev.RunFailed(error=error):
            return f"== failed: {error}"
        case ev.RunCancelled(reason=reason):
            return f"== cancelled: {reason}"
        case ev.BudgetExhausted(limit=limit):
            return f"== budget exhausted: {limit}"
    return f"== {type(event).__name__}"


def _compact(arguments: dict[str, Any]) -> str:
    text = json.dumps(arguments, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "..."


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


# --- stored runs --------------------------------------------------------------------------


def list_runs(args: argparse.Namespace) -> int:
    from desktop.core.store.database import StoreError

    try:
        with open_store() as store:
            runs = store.runs()
    except StoreError as exc:
        return fail(str(exc))
    for run in runs:
        if args.json:
            print(json.dumps(dataclasses.asdict(run), ensure_ascii=False))
        else:
            when = run.created_at[:16].replace("T", " ")
            print(
                f"{run.id:>5}  {when}  {run.status:<16} {counted(run.steps, 'step'):>9}  "
                f"${run.cost_usd:.4f}  {run.goal.splitlines()[0] if run.goal else ''}"
            )
    return 0


def show_run(args: argparse.Namespace) -> int:
    from desktop.core.review.archive import run_text
    from desktop.core.store.database import NotFound, StoreError

    try:
        with open_store() as store:
            text = run_text(store, args.id, args.format)
    except NotFound:
        return fail(f"no run {args.id}")
    except StoreError as exc:
        return fail(str(exc))
    print(text, end="")
    return 0
