"""The agent loop: goal -> (model turn -> tool calls -> observations)* -> final answer.

`Agent.run` repeats `step` until the model answers without calling a tool. A run usually
starts from its goal alone; a fork (core/fork.py) starts from another run's conversation
instead, which it records as its second event. A step streams
the model's reply (with the tool schemas), then runs each tool call in order once the policy
allows it, and sends all the results back as the next user message. Everything that happens
is yielded as a typed event (core/events.py); the run ends by raising one of the small
exceptions below, which `run` turns into its last event.

Cancelling the task that iterates a run is how a run is stopped: the CancelledError reaches
whatever is awaited (the model stream, an approval, a command, whose process group is then
killed) and unwinds the loop. The recorder (recorder.py) writes what happened to the store.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import date
from typing import TYPE_CHECKING, Any

from desktop.core import tools
from desktop.core.events import (
    AgentMessage,
    ApprovalNeeded,
    ApprovalResolved,
    Budget,
    BudgetExhausted,
    MessageDone,
    RunEvent,
    RunFailed,
    RunFinished,
    RunForked,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
    Usage,
    UsageUpdated,
)
from desktop.core.llm import DEFAULT_MODEL, ModelClient, ModelError
from desktop.core.permissions import Policy
from desktop.core.tools import ToolContext, ToolResult
from desktop.core.tools.shell import DEFAULT_TIMEOUT_S
from desktop.core.workspace import Workspace

if TYPE_CHECKING:
    from desktop.core.store import Store

log = logging.getLogger(__name__)


class Finished(Exception):
    """The model answered without calling a tool: its text is the run's summary."""


class Failed(Exception):
    """The run cannot go on (the model API failed for good)."""


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
- run_command runs in the workspace with no stdin and a {timeout:g} s default timeout.
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
        client: ModelClient,
        workspace: Workspace,
        *,
        policy: Policy | None = None,
        budget: Budget | None = None,
        model: str = DEFAULT_MODEL,
        store: Store | None = None,
        run_id: int = 0,
        max_tokens: int = 8192,
        fork: RunForked | None = None,
    ) -> None:
        self.client = client
        self.workspace = workspace
        self.policy = (policy or Policy()).copy()
        self.budget = budget or Budget()
        self.model = model
        self.run_id = run_id
        self.max_tokens = max_tokens
        self.fork = fork
        self.context = ToolContext(workspace, store, run_id)
        self.system = system_prompt(workspace)
        self.messages: list[dict[str, Any]] = []
        self.steps = 0
        self.usage = Usage()
        self.started = time.monotonic()

    async def run(self, goal: str) -> AsyncGenerator[RunEvent, None]:
        """Work toward `goal` until done; the last event says how the run ended."""
        yield RunStarted(self.run_id, goal, str(self.workspace), self.model, self.budget)
        self.started = time.monotonic()
        self.context.deadline = self.started + self.budget.max_wall_s
        if self.fork is None:
            self.add_message("user", goal)
        else:
            yield self.fork
            for message in self.fork.messages:
                self.add_message(message["role"], message["content"])
        try:
            while True:
                self.check_budget()
                async for event in self.step():
                    yield event
        except Finished as end:
            yield RunFinished(str(end))
        except BudgetExceeded as end:
            yield BudgetExhausted(str(end))
        except Failed as end:
            yield RunFailed(str(end))
        except Exception as exc:  # a bug must still end the run with a reason, not hang it
            log.exception("agent run %s crashed", self.run_id)
            yield RunFailed(f"internal error: {exc!r}")

    def check_budget(self) -> None:
        elapsed = time.monotonic() - self.started
        if limit := self.budget.exceeded(self.steps, self.usage, elapsed):
            raise BudgetExceeded(limit)

    async def step(self) -> AsyncIterator[RunEvent]:
        """Ask the model for its next move, run the tools it calls, hand the results back."""
        self.steps += 1
        yield StepStarted(self.steps)
        reply: MessageDone | None = None
        try:
            async for event in self.client.stream(
                model=self.model,
                messages=self.messages,
                system=self.system,
                tools=tools.schemas(),
                max_tokens=self.max_tokens,
            ):
                if isinstance(event, MessageDone):
                    reply = event
                else:
                    yield event
        except ModelError as exc:
            raise Failed(str(exc)) from exc
        assert reply is not None, "ModelClient.stream always ends with MessageDone"
        self.usage += reply.usage
        yield AgentMessage(reply.text, self.steps)
        yield UsageUpdated(self.usage, self.steps)
        self.add_message("assistant", [b for b in reply.content if b.get("text") != ""])
        if not reply.tool_uses:
            raise Finished(reply.text)
        results = []
        for call in reply.tool_uses:
            async for event in self.call_tool(call, reply.input_errors.get(call["id"])):
                yield event
            assert isinstance(event, ToolCallFinished), "a call's last event is its end"
            results.append(tool_result(event))
        self.add_message("user", results)

    async def call_tool(
        self, call: dict[str, Any], input_error: str | None
    ) -> AsyncIterator[RunEvent]:
        """One call: check it, get permission, run it. The last event is its ToolCallFinished."""
        call_id, name, args = call["id"], call["name"], call.get("input") or {}
        yield ToolCallStarted(call_id, name, args)
        started = time.monotonic()
        outcome = self.gate(call_id, name, args, input_error)
        if isinstance(outcome, ApprovalNeeded):
            yield outcome
            decision = await outcome.decision
            self.policy.answered(name, decision)
            yield ApprovalResolved(call_id, decision.allow, decision.always, decision.reason)
            outcome = None if decision.allow else _denial(name, "the user", decision.reason)
        result = outcome
        if result is None:
            async for item in tools.execute(name, args, self.context):
                if isinstance(item, str):
                    yield ToolOutput(call_id, item)
                else:
                    result = item
            assert result is not None, "tools.execute always ends with a ToolResult"
            if result.event is not None:
                yield result.event
        duration = time.monotonic() - started
        yield ToolCallFinished(
            call_id, name, result.text, result.is_error, duration, denied=result.denied
        )

    def gate(
        self, call_id: str, name: str, args: dict[str, Any], input_error: str | None
    ) -> ToolResult | ApprovalNeeded | None:
        """May the call run? None if so, an error result if not, or a question for the user."""
        if input_error:
            fix = "Send the input as one JSON object."
            return ToolResult(f"{name}: {input_error}. {fix}", is_error=True)
        if problem := tools.check(name, args):
            return ToolResult(problem, is_error=True)
        decision = self.policy.decide(name)
        if decision is not None:
            return None if decision.allow else _denial(name, "the policy", decision.reason)
        preview = tools.preview(name, args, self.context)
        if preview.is_error:  # the call cannot succeed: nothing to ask the user about
            return preview
        return self.policy.request(call_id, name, args, preview.text)

    def add_message(self, role: str, content: str | list[dict[str, Any]]) -> None:
        """The one way the conversation grows, so saving or showing it hooks in one place."""
        self.messages.append({"role": role, "content": content})


def _denial(name: str, who: str, reason: str) -> ToolResult:
    why = reason or "no reason given"
    return ToolResult(f"{who} denied this {name} call: {why}", is_error=True, denied=True)


def tool_result(finished: ToolCallFinished) -> dict[str, Any]:
    """The tool_result block the model is sent for a finished call."""
    return {
        "type": "tool_result",
        "tool_use_id": finished.call_id,
        "content": finished.result or "(empty)",
        "is_error": finished.is_error,
    }
