"""The agent loop: goal -> (model turn -> tool calls -> observations)* -> final answer.

`Agent.run` repeats `step` until the model answers without calling a tool. A run usually
starts from its goal alone; a fork (core/agent/fork.py) starts from another run's conversation
instead, which it records as its second event. A step streams the model's reply (with the
tool schemas), then runs each tool call in order once the policy allows it; the results go
back in the next request. Everything that happens is yielded as a typed event
(core/events.py), and every event passes through `Conversation` (core/agent/conversation.py), which
derives what the model is sent next from them. The reply's stop reason is acted on: a reply
cut at the output limit is asked to go on, a paused turn is sent back to continue, a refusal
or an overflowing context ends the run with that reason. The run ends by raising one of the
small exceptions below, which `run` turns into its last event.

Cancelling the task that iterates a run is how a run is stopped: the CancelledError reaches
whatever is awaited (the model stream, an approval, a command, whose process group is then
killed) and unwinds the loop. The recorder (recorder.py) writes what happened to the store.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from desktop.core import tools
from desktop.core.agent.compaction import DEFAULT_THRESHOLD, Compactor, too_long
from desktop.core.agent.compaction import context_window as context_window_of
from desktop.core.agent.conversation import Conversation
from desktop.core.agent.permissions import Policy
from desktop.core.agent.workspace import Workspace
from desktop.core.checkpoints.capture import Checkpointer
from desktop.core.events import (
    END_STATUS,
    AgentMessage,
    AppMessage,
    ApprovalNeeded,
    ApprovalResolved,
    Budget,
    BudgetExhausted,
    Decision,
    MessageDone,
    RunEvent,
    RunFailed,
    RunFinished,
    RunForked,
    RunResumed,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
    Usage,
    UsageUpdated,
)
from desktop.core.model.blocks import ToolUseBlock
from desktop.core.model.client import DEFAULT_MODEL
from desktop.core.model.errors import ModelError
from desktop.core.model.stream import ModelStream
from desktop.core.tools import ToolContext, ToolResult
from desktop.core.tools.shell import DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from desktop.core.mcp.run_servers import RunServers
    from desktop.core.store.database import Store

log = logging.getLogger(__name__)

INTERRUPTED_CALL = (
    "This call did not finish: the run was interrupted while it was running (or before it "
    "started). Check the workspace before you rely on what it would have done."
)
CUT_SHORT = (
    "Your last reply was cut off at the output limit (max_tokens). Continue exactly where it "
    "stopped."
)
CONTEXT_FULL = "the conversation no longer fits the model's context window"
ENDS_RUN = {"refusal": "the model refused to continue"}
CUT_REASONS = ("max_tokens", "model_context_window_exceeded")
STEP_MAX_TOKENS = 8192
"""Most tokens a step's reply may have unless the settings say otherwise (Settings'
`agent_max_tokens` has the same default)."""


class ContextFull(Exception):
    """The endpoint refused the request for its length."""


class Finished(Exception):
    """The model answered without calling a tool: its text is the run's summary."""


class Failed(Exception):
    """The run cannot go on (the model API failed for good, or the model refused)."""


class BudgetExceeded(Exception):
    """A limit of the Budget is used up; the message names it."""


SYSTEM_PROMPT = """\
You are the agent of AgentDesk. You work toward the user's goal inside one folder on their \
computer, the workspace: {root}

How you work:
- Act through your tools. Paths are relative to the workspace; paths outside it are refused.
- Keep your plan current with update_plan: write it before you start (a few short steps) and \
update it as each step starts and ends, so the user can follow your progress.
- Read before you edit, make the smallest change that reaches the goal, and check your work \
(run the tests, look at the result) before you finish.
- write_file, edit_file and run_command may wait for the user's approval. A denied call comes \
back as an error with the user's reason: respect it and find another way.
- run_command runs in the workspace with no stdin and a {timeout:g} s default timeout. It \
may run in a sandbox: writes outside the workspace and network access then fail; say so \
rather than retrying.
- A tool error is information: read it, correct the call, go on.
- When the goal is reached, or cannot be, reply without calling a tool. That reply is the \
summary the user sees: say what you did and what is left.

Your tools: {tools}.

Platform: {platform}. Today is {today}."""


def system_prompt(workspace: Workspace) -> str:
    return SYSTEM_PROMPT.format(
        root=workspace.root,
        timeout=DEFAULT_TIMEOUT_S,
        tools=", ".join(tools.TOOLS),
        platform=platform.platform(terse=True),
        today=date.today().isoformat(),
    )


class Agent:
    """One run of the loop: a model, a workspace, a permission policy and a budget."""

    def __init__(
        self,
        client: ModelStream,
        workspace: Workspace,
        *,
        policy: Policy | None = None,
        budget: Budget | None = None,
        model: str = DEFAULT_MODEL,
        store: Store | None = None,
        run_id: int = 0,
        max_tokens: int = STEP_MAX_TOKENS,
        fork: RunForked | None = None,
        thinking_budget: int = 0,
        context_window: int = 0,
        compact_at: float = DEFAULT_THRESHOLD,
        servers: RunServers | None = None,
    ) -> None:
        self.client = client
        self.workspace = workspace
        self.policy = (policy or Policy()).copy()
        self.budget = budget or Budget()
        self.model = model
        self.run_id = run_id
        self.max_tokens = max_tokens
        self.thinking_budget = thinking_budget
        self.fork = fork
        self.servers = servers
        self.context = ToolContext(workspace, store, run_id)
        self.checkpoints = None if store is None else Checkpointer(store, run_id, workspace)
        self.system = system_prompt(workspace)
        self.conversation = Conversation()
        window = context_window_of(model, context_window)
        self.compactor = Compactor(client, model, self.system, tools.schemas(), window, compact_at)
        self.steps = 0
        self.usage = Usage()
        self.started = time.monotonic()

    async def run(self, goal: str) -> AsyncGenerator[RunEvent, None]:
        """Work toward `goal` until done; the last event says how the run ended."""
        async for event in self._applied(self._started(goal)):
            yield event

    async def resume(
        self, history: Iterable[RunEvent], message: str = ""
    ) -> AsyncGenerator[RunEvent, None]:
        """Go on with a run from its recorded `history`, after an interruption or its end,
        with the user's follow-up `message` if any. `budget` is what this part may spend."""
        previous = self._replay(history)
        async for event in self._applied(self._resumed(previous, message)):
            yield event

    async def _applied(self, events: AsyncIterator[RunEvent]) -> AsyncIterator[RunEvent]:
        async for event in events:
            self.conversation.apply(event)  # the one way the conversation grows
            yield event

    async def _started(self, goal: str) -> AsyncIterator[RunEvent]:
        yield RunStarted(self.run_id, goal, str(self.workspace), self.model, self.budget)
        self.started = time.monotonic()
        self.context.deadline = self.started + self.budget.max_wall_s
        if self.fork is not None:
            yield self.fork
        async for event in self._loop():
            yield event

    def _replay(self, history: Iterable[RunEvent]) -> str:
        """Take in the recorded run: its conversation, steps and usage; return how it ended."""
        previous = "interrupted"
        for event in history:
            self.conversation.apply(event)
            match event:
                case StepStarted(step=step):
                    self.steps = step
                case UsageUpdated(usage=usage):
                    self.usage = usage
                case RunResumed():  # it went on after that end: until its next one, unended
                    previous = "interrupted"
            previous = END_STATUS.get(type(event), previous)
        return previous

    async def _resumed(self, previous: str, message: str) -> AsyncIterator[RunEvent]:
        for call_id, name in self.conversation.unfinished_calls():
            yield ToolCallFinished(call_id, name, INTERRUPTED_CALL, True, 0.0)
        self.budget = self.budget.after(self.steps, self.usage)
        yield RunResumed(message, previous, self.budget)
        self.started = time.monotonic()
        self.context.deadline = self.started + self.budget.max_wall_s
        async for event in self._loop():
            yield event

    async def _loop(self) -> AsyncIterator[RunEvent]:
        end: RunEvent
        try:
            async for event in self._servers_started():
                yield event
            while True:
                self.check_budget()
                async for event in self.step():
                    yield event
        except Finished as reason:
            end = RunFinished(str(reason))
        except BudgetExceeded as reason:
            end = BudgetExhausted(str(reason))
        except Failed as reason:
            end = RunFailed(str(reason))
        except Exception as exc:  # a bug must still end the run with a reason, not hang it
            log.exception("agent run %s crashed", self.run_id)
            end = RunFailed(f"internal error: {exc!r}")
        finally:  # ended, failed or cancelled: the scanner and the MCP servers stop first
            if self.checkpoints is not None:
                self.checkpoints.close()
            if self.servers is not None:
                await self.servers.close()
        yield end

    async def _servers_started(self) -> AsyncIterator[RunEvent]:
        """Start the run's MCP servers before its first request, which offers their tools."""
        if self.servers:
            async for event in self.servers.start():
                yield event
            self.compactor.tools = self.tool_schemas()

    def tool_schemas(self) -> list[dict[str, Any]]:
        """The built-in tools, then the MCP servers' tools."""
        extra = self.servers.schemas() if self.servers is not None else []
        return [*tools.schemas(), *extra]

    def check_budget(self) -> None:
        elapsed = time.monotonic() - self.started
        if limit := self.budget.exceeded(self.steps, self.usage, elapsed):
            raise BudgetExceeded(limit)

    async def step(self) -> AsyncIterator[RunEvent]:
        """Ask the model for its next move, run the tools it calls, hand the results back."""
        self.steps += 1
        yield StepStarted(self.steps)
        async for event in self.compacted():
            yield event
        reply: MessageDone | None = None
        for last_try in (False, True):
            try:
                async for event in self.request():
                    if isinstance(event, MessageDone):
                        reply = event
                    else:
                        yield event
                break
            except ContextFull:
                async for event in self.compacted(force=True, last_try=last_try):
                    yield event
        assert reply is not None, "a model stream ends with MessageDone or raises"
        async for event in self.replied(reply):
            yield event
        if reason := ENDS_RUN.get(reply.stop_reason or ""):
            raise Failed(reason)
        if reply.stop_reason == "model_context_window_exceeded":
            async for event in self.compacted(force=True, last_try=True):
                yield event
        if not reply.tool_uses:
            if reply.stop_reason in CUT_REASONS:
                yield AppMessage(CUT_SHORT)
            if reply.stop_reason in (*CUT_REASONS, "pause_turn"):
                return
            raise Finished(reply.text)
        for call in reply.tool_uses:
            async for event in self.call_tool(call, self.input_error(reply, call)):
                yield event

    async def request(self) -> AsyncIterator[RunEvent | MessageDone]:
        """Stream the model's reply to the conversation so far; the last item is the reply.
        A reply cut off is recorded and fails the run; a request too long raises ContextFull."""
        try:
            async for event in self.client.stream(
                model=self.model,
                messages=self.conversation.messages(),
                system=self.system,
                tools=self.tool_schemas(),
                max_tokens=self.max_tokens,
                thinking_budget=self.thinking_budget,
                long_cache=self.policy.may_ask(),
            ):
                yield event
        except ModelError as exc:
            if too_long(exc):
                raise ContextFull from exc
            if exc.partial is not None:  # kept for the record, never acted on
                async for event in self.replied(exc.partial, complete=False):
                    yield event
            raise Failed(str(exc)) from exc

    async def compacted(
        self, *, force: bool = False, last_try: bool = True
    ) -> AsyncIterator[RunEvent]:
        """Make the next request fit the model's context window (see core/agent/compaction.py);
        `force` when the endpoint said it does not fit, which ends the run if nothing helps."""
        try:
            event, usage = await self.compactor.fit(self.conversation, self.steps, force=force)
        except ModelError as exc:
            raise Failed(f"the conversation could not be compacted: {exc}") from exc
        if event is None and force and last_try:
            raise Failed(CONTEXT_FULL)
        if event is not None:
            yield event
        if usage.input_tokens or usage.output_tokens:
            self.usage += usage
            yield UsageUpdated(self.usage, self.steps)

    async def replied(
        self, reply: MessageDone, *, complete: bool = True
    ) -> AsyncIterator[RunEvent]:
        """The reply as the record keeps it (cut-off ones too), and the run's new totals."""
        self.usage += reply.usage
        yield AgentMessage(reply.text, self.steps, reply.content, reply.stop_reason, complete)
        yield UsageUpdated(self.usage, self.steps)

    def input_error(self, reply: MessageDone, call: ToolUseBlock) -> str | None:
        """Why the call's input cannot be used, if it cannot."""
        error = reply.input_errors.get(call.id)
        if error and reply.stop_reason == "max_tokens":
            return (
                f"the tool input was cut off at the output limit (max_tokens = "
                f"{self.max_tokens}); make the call smaller, e.g. write a long file in parts"
            )
        return error

    async def call_tool(
        self, call: ToolUseBlock, input_error: str | None
    ) -> AsyncIterator[RunEvent]:
        """One call: check it, get permission, run it. The last event is its ToolCallFinished."""
        call_id, name, args = call.id, call.name, call.input
        yield ToolCallStarted(call_id, name, args)
        if self.checkpoints is not None:
            self.checkpoints.expect(name)
        outcome = self.gate(call_id, name, args, input_error)
        if isinstance(outcome, ApprovalNeeded):
            yield outcome
            decision = await outcome.decision
            self.policy.answered(name, decision)
            yield ApprovalResolved(call_id, decision.allow, decision.always, decision.reason)
            outcome = None if decision.allow else _denial(name, "the user", decision.reason)
        result = outcome
        before = None
        if result is None and self.checkpoints is not None:
            before = await self.checkpoints.before(name, args)
        started = time.monotonic()  # the call's own time, not the wait for the user
        if result is None:
            try:
                async for item in self._execute(name, args):
                    if isinstance(item, str):
                        yield ToolOutput(call_id, item)
                    elif isinstance(item, ToolResult):
                        result = item
                    else:
                        yield item
            except asyncio.CancelledError:
                if before and self.checkpoints:
                    self.checkpoints.settle(call_id, before)
                raise
            assert result is not None, "a tool call always ends with a ToolResult"
            if result.event is not None:
                yield result.event
        duration = time.monotonic() - started
        checkpoints = self.checkpoints
        if before and checkpoints and (changed := await checkpoints.after(call_id, before)):
            yield changed
        yield ToolCallFinished(call_id, name, result.text, result.is_error, duration,
                               denied=result.denied, content=result.content)

    def _execute(self, name: str, args: dict[str, Any]) -> AsyncIterator[Any]:
        """A checked call's output, events and result: an MCP server's tool, or a built-in."""
        if self.servers is not None and self.servers.owns(name):
            return self.servers.call(name, args, self.context.deadline)
        return tools.execute(name, args, self.context)

    def gate(
        self, call_id: str, name: str, args: dict[str, Any], input_error: str | None
    ) -> ToolResult | ApprovalNeeded | None:
        """May the call run? None if so, an error result if not, or a question for the user."""
        if input_error:
            fix = "Send the input as one JSON object."
            return ToolResult(f"{name}: {input_error}. {fix}", is_error=True)
        servers = self.servers if self.servers is not None and self.servers.owns(name) else None
        check = servers.check if servers is not None else tools.check
        if problem := check(name, args):
            return ToolResult(problem, is_error=True)
        decision = self.policy.decide(name)
        if decision is None and servers is not None and servers.auto_approved(name):
            decision = Decision(allow=True)  # the server's autoApprove, where the policy asks
        if decision is not None:
            return None if decision.allow else _denial(name, "the policy", decision.reason)
        if servers is not None:
            return self.policy.request(call_id, name, args, servers.preview(name, args))
        preview = tools.preview(name, args, self.context)
        if preview.is_error:  # the call cannot succeed: nothing to ask the user about
            return preview
        return self.policy.request(call_id, name, args, preview.text)


def _denial(name: str, who: str, reason: str) -> ToolResult:
    why = reason or "no reason given"
    return ToolResult(f"{who} denied this {name} call: {why}", is_error=True, denied=True)

