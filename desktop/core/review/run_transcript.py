"""A stored run as Markdown (to read or share) or JSON (complete, to process): pure functions.

The Markdown follows the run step by step: the model's text, plan updates, and each tool
call with its input and result as fenced blocks. A run that died mid-reply or mid-command
still shows what had streamed in, from its TextDelta and ToolOutput events.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from typing import Any

from desktop.core.events import (
    AgentMessage,
    AppMessage,
    ApprovalResolved,
    Budget,
    ContextCompacted,
    McpServerFailed,
    McpServerRestarted,
    McpServerStarted,
    PlanUpdated,
    RunResumed,
    RunStarted,
    StepStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
)
from desktop.core.store.database import Run, StoredEvent
from desktop.core.wording import counted

JSON_VERSION = 2
PLAN_LINES = {"done": "- [x] {}", "in_progress": "- [ ] {} _(in progress)_", "pending": "- [ ] {}"}
INLINE_INPUT_CHARS = 80


def run_json(run: Run, events: Sequence[StoredEvent]) -> dict[str, Any]:
    """Everything about the run but its database id (and the pid that drove it), so importing
    the JSON and exporting the copy gives the same JSON, but for a fork's `parent_run_id` and
    `fork_seq`: they name a run of the database it was recorded in, so an import drops them."""
    head = {k: v for k, v in dataclasses.asdict(run).items() if k not in ("id", "pid")}
    return {
        "type": "run",
        "version": JSON_VERSION,
        "run": head,
        "events": [
            {"seq": e.seq, "type": e.type, "data": e.data, "created_at": e.created_at}
            for e in events
        ],
    }


def run_markdown(run: Run, events: Sequence[StoredEvent]) -> str:
    started = next((s.event() for s in events if s.type == "RunStarted"), None)
    budget = started.budget if isinstance(started, RunStarted) else None
    parts = [f"# Run {run.id}: {run.goal}", _summary_list(run, budget)]
    streamed = ""  # the current step's text, until its AgentMessage arrives
    outputs: dict[str, str] = {}  # output of calls that have started but not finished
    for stored in events:
        match stored.event():
            case StepStarted(step=step):
                parts += _flush(streamed)
                streamed = ""
                parts.append(f"## Step {step}")
            case TextDelta(text=text):
                streamed += text
            case AgentMessage(text=text):
                streamed = ""
                if text:
                    parts.append(text)
            case RunResumed(message=message, previous_status=previous):
                parts += _flush(streamed)
                streamed = ""
                said = f": {message}" if message else " from where it stopped"
                parts.append(f"## Continued after it ended ({previous}){said}")
            case ContextCompacted(cleared=cleared, summary=summary):
                parts.append(f"_(context compacted: {len(cleared)} tool outputs cleared)_")
                if summary:
                    parts.append(f"**Summary sent instead of the earlier steps**\n\n{summary}")
            case AppMessage(text=text):
                parts.append(f"_(the app told the model: {text})_")
            case PlanUpdated(items=items):
                plan = [PLAN_LINES[item.status].format(item.text) for item in items]
                parts.append("**Plan**\n\n" + "\n".join(plan))
            case ToolCallStarted(name="update_plan"):
                pass  # the PlanUpdated that follows shows the plan itself
            case ToolCallStarted(call_id=call_id, name=name, input=arguments):
                outputs[call_id] = ""
                parts.append(f"**{name}**{_input(name, arguments)}")
            case ToolOutput(call_id=call_id, chunk=chunk):
                outputs[call_id] = outputs.get(call_id, "") + chunk
            case ApprovalResolved(allow=allow, always=always, reason=reason):
                parts.append(_approval(allow, always, reason))
            case ToolCallFinished(name="update_plan", is_error=False):
                pass
            case ToolCallFinished() as finished:
                outputs.pop(finished.call_id, None)
                parts.append(_result(finished))
            case McpServerStarted(server=server, tools=tools):
                parts.append(f"_(MCP server {server} ready: {counted(len(tools), 'tool')})_")
            case McpServerRestarted(server=server, reason=reason):
                parts.append(f"_(MCP server {server} stopped ({reason}) and was restarted)_")
            case McpServerFailed(server=server, error=error, stderr=stderr):
                parts.append(f"_(MCP server {server} failed: {error})_")
                if stderr:
                    parts.append(_fence(stderr, "text"))
    parts += _flush(streamed)
    unfinished = (out for out in outputs.values() if out)
    parts += [f"{_fence(out, 'text')}\n\n_(the run ended during this call)_" for out in unfinished]
    parts.append(_ending(run))
    return "\n\n".join(parts) + "\n"


def _summary_list(run: Run, budget: Budget | None) -> str:
    totals = (
        f"{counted(run.steps, 'step')} · {run.input_tokens:,} tokens in / "
        f"{run.output_tokens:,} out"
        f" · ${run.cost_usd:.4f}"
    )
    lines = [
        f"- Status: {run.status}",
        f"- Workspace: `{run.workspace}`",
        f"- Model: {run.model}",
        f"- Totals: {totals}" + (f" (budget: {budget.text()})" if budget else ""),
        f"- Started: {run.created_at}" + (f" · Ended: {run.ended_at}" if run.ended_at else ""),
    ]
    if run.parent_run_id is not None:
        lines.append(f"- Forked from run {run.parent_run_id} at event {run.fork_seq}")
    return "\n".join(lines)


def _flush(streamed: str) -> list[str]:
    return [f"{streamed}\n\n_(the reply was cut off)_"] if streamed else []


def _input(name: str, arguments: dict[str, Any]) -> str:
    if name == "run_command" and "command" in arguments:
        return "\n\n" + _fence(f"$ {arguments['command']}", "console")
    compact = json.dumps(arguments, ensure_ascii=False)
    if len(compact) <= INLINE_INPUT_CHARS and "`" not in compact:
        return f" `{compact}`"
    return "\n\n" + _fence(json.dumps(arguments, indent=2, ensure_ascii=False), "json")


def _approval(allow: bool, always: bool, reason: str) -> str:
    if allow:
        return "_approved for the rest of the run_" if always else "_approved_"
    return f"_denied: {reason}_" if reason else "_denied_"


def _result(finished: ToolCallFinished) -> str:
    if finished.denied:
        return f"_not run: {finished.result}_"
    label = "error" if finished.is_error else "result"
    kind = "diff" if finished.name == "edit_file" and not finished.is_error else "text"
    return f"{label} ({finished.duration_s:.2f} s):\n\n{_fence(finished.result, kind)}"


def _ending(run: Run) -> str:
    if run.status == "finished":
        return f"## Result\n\n{run.summary or '_(no summary)_'}"
    return f"## Ended: {run.status}\n\n{run.error or ''}".rstrip()


def _fence(text: str, info: str = "") -> str:
    """A fenced block that `text` cannot close early, however many backticks it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip(chr(10))}\n{fence}"
