"""Start an agent run and record it: every event is in SQLite before anyone renders it.

`start_run` is how the window and the CLI both start a run. The run goes on in its own task,
so a slow consumer, a pending approval or a consumer that stops listening never stalls or
loses it; `ActiveRun` stores each event, keeps the run's row (status, steps, tokens, cost,
summary) current, and then hands the event to whoever iterates it. `cancel()` stops the run:
a running command's process group is killed and the last event is RunCancelled. A command's
process group is recorded (CommandStarted) the moment it exists, so if the app dies the next
start can kill it (core/agent/leftovers.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import Any

from desktop.core.agent.compaction import ContextLimits
from desktop.core.agent.executor import Executor
from desktop.core.agent.leftovers import reap_interrupted, start_time
from desktop.core.agent.loop import STEP_MAX_TOKENS, Agent
from desktop.core.agent.permissions import Policy
from desktop.core.agent.workspace import Workspace
from desktop.core.events import (
    END_STATUS,
    Budget,
    BudgetExhausted,
    CommandStarted,
    RunCancelled,
    RunEvent,
    RunFailed,
    RunFinished,
    RunForked,
    RunStarted,
    RunStatus,
    StepStarted,
    ToolCallStarted,
    UsageUpdated,
)
from desktop.core.mcp.config import ServerConfig
from desktop.core.mcp.run_servers import servers_for_run
from desktop.core.model.client import DEFAULT_MODEL
from desktop.core.model.stream import ModelStream
from desktop.core.store.database import Store, StoreError

log = logging.getLogger(__name__)

APP_CLOSED = "stopped because the app closed"
"""Why a run ended when the window was closed mid-run (not "stopped by the user")."""


def start_run(
    store: Store,
    client: ModelStream,
    goal: str,
    workspace: Workspace | str | Path,
    *,
    policy: Policy | None = None,
    budget: Budget | None = None,
    model: str = DEFAULT_MODEL,
    fork: RunForked | None = None,
    thinking_budget: int = 0,
    max_tokens: int = STEP_MAX_TOKENS,
    context: ContextLimits | None = None,
    executor: Executor | None = None,
    mcp_servers: Sequence[ServerConfig] | None = None,
    provider: str = "",
) -> ActiveRun:
    """Create the run's row and start the agent on it; needs a running event loop.

    A `fork` (see core/agent/fork.py) starts the agent from another run's conversation, and
    the row links to that run. Raises WorkspaceError when `workspace` is not a folder (before
    any row is written). `executor` runs the run's commands (default: local). The run's MCP
    servers are `mcp_servers`, else the enabled ones of config.json. `provider` names the
    profile `client` talks to, kept with the run so going on with it talks to the same one.
    """
    if not isinstance(workspace, Workspace):
        workspace = Workspace(workspace)
    parent = (fork.parent_run_id, fork.fork_seq) if fork is not None else (None, None)
    run = store.create_run(
        goal, str(workspace.root), model, parent_run_id=parent[0], fork_seq=parent[1],
        provider=provider,
    )
    agent = Agent(
        client, workspace, policy=policy, budget=budget, model=model, store=store,
        run_id=run.id, fork=fork, thinking_budget=thinking_budget, max_tokens=max_tokens,
        servers=servers_for_run(workspace.root, executor, mcp_servers),
        **(context or ContextLimits()).agent_options(),
    )
    return _recorded(store, agent, agent.run(goal), executor)


def continue_run(
    store: Store,
    client: ModelStream,
    run_id: int,
    message: str = "",
    *,
    policy: Policy | None = None,
    budget: Budget | None = None,
    thinking_budget: int = 0,
    max_tokens: int = STEP_MAX_TOKENS,
    context: ContextLimits | None = None,
    executor: Executor | None = None,
    mcp_servers: Sequence[ServerConfig] | None = None,
    model: str = "",
) -> ActiveRun:
    """Go on with a stored run: an interrupted one from where it stopped, an ended one with
    the user's follow-up `message`. It keeps its id and events; `budget` (default: the one it
    started with) is what this part may spend. Raises WorkspaceError when its workspace is
    gone, StoreError when it is still going elsewhere, ValueError when there is nothing to
    continue (a finished run without a follow-up). Commands that interrupted runs left
    running are killed first. `model`, if given, is the one it goes on with (and keeps)."""
    run = store.run(run_id)
    if run.status == "finished" and not message.strip():
        raise ValueError("a finished run goes on only with a follow-up message")
    history = [stored.event() for stored in store.events(run_id)]
    started = next((e for e in history if isinstance(e, RunStarted)), None)
    workspace = Workspace(run.workspace)
    agent = Agent(
        client, workspace, policy=policy, budget=budget or (started and started.budget),
        model=model or run.model, store=store, run_id=run_id, thinking_budget=thinking_budget,
        max_tokens=max_tokens, servers=servers_for_run(workspace.root, executor, mcp_servers),
        **(context or ContextLimits()).agent_options(),
    )
    reap_interrupted(store)
    store.reopen_run(run_id)
    if model and model != run.model:
        store.update_run(run_id, model=model)
    return _recorded(store, agent, agent.resume(history, message.strip()), executor)


def _recorded(
    store: Store, agent: Agent, events: AsyncGenerator[RunEvent, None], executor: Executor | None
) -> ActiveRun:
    """The agent's events driven and stored as a run; its commands go through `executor`."""
    if executor is not None:
        agent.context.executor = executor
    active = ActiveRun(store, agent.run_id, events)
    agent.context.command_started = active.command_started
    if agent.checkpoints is not None:
        agent.checkpoints.record = active.record
    return active


def run_changes(event: RunEvent) -> dict[str, Any]:
    """What an event changes on the run's row in the store."""
    match event:
        case StepStarted(step=step):
            return {"steps": step}
        case UsageUpdated(usage=usage):
            return {
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
            }
        case RunFinished(summary=summary):
            return {"status": "finished", "summary": summary}
        case RunFailed(error=error):
            return {"status": "failed", "error": error}
        case RunCancelled(reason=reason):
            return {"status": "cancelled", "error": reason}
        case BudgetExhausted(limit=limit):
            return {"status": "budget_exhausted", "error": f"budget exhausted: {limit}"}
    return {}


class ActiveRun:
    """A run under way: iterate it for its events (each one already stored); cancel() stops it.

    Iterate it once, to the end: the last event is always one of RunFinished, RunFailed,
    RunCancelled or BudgetExhausted. Cancelling the task that iterates it cancels the run too.
    """

    def __init__(
        self, store: Store, run_id: int, events: AsyncGenerator[RunEvent, None]
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.status: RunStatus = "running"
        self._cancel_reason = RunCancelled().reason
        self._call_id = ""  # the tool call under way, which a command belongs to
        self._queue: asyncio.Queue[RunEvent] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(events), name=f"agent run {run_id}")
        self._task.add_done_callback(self._on_done)

    def cancel(self, reason: str = "") -> None:
        """Stop the run; it ends with RunCancelled(reason) once any running command is killed."""
        self._cancel_reason = reason or self._cancel_reason
        self._task.cancel()

    def command_started(self, pgid: int, executor: Executor) -> None:
        """Record a command's process group (and its start time) as soon as it exists."""
        self._record(CommandStarted(self._call_id, pgid, start_time(pgid), executor.kind))

    def record(self, event: RunEvent) -> None:
        """Store an event the run cannot yield any more (what a cancelled call changed)."""
        self._record(event)

    def __aiter__(self) -> AsyncIterator[RunEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[RunEvent]:
        try:
            while True:
                event = await self._queue.get()
                yield event
                if type(event) in END_STATUS:
                    return
        finally:
            if not self._task.done():  # the consumer stopped listening or was cancelled
                self._task.cancel()
                await asyncio.wait([self._task])

    async def _pump(self, events: AsyncGenerator[RunEvent, None]) -> None:
        async with aclosing(events):  # a failed store write still stops a running command
            async for event in events:
                self._record(event)

    def _record(self, event: RunEvent) -> None:
        """Store the event and its effect on the run's row, then pass it on."""
        if isinstance(event, ToolCallStarted):
            self._call_id = event.call_id
        self.store.append_event(self.run_id, event)
        if changes := run_changes(event):
            self.store.update_run(self.run_id, **changes)
        self.status = END_STATUS.get(type(event), self.status)
        self._queue.put_nowait(event)

    def _on_done(self, task: asyncio.Task[None]) -> None:
        """End a run that stopped without its own last event: cancelled, or a crash."""
        if self.status != "running":
            return
        if task.cancelled():
            end: RunEvent = RunCancelled(self._cancel_reason)
        else:
            end = RunFailed(f"the run stopped unexpectedly: {task.exception()}")
        try:
            self._record(end)
        except StoreError:  # the consumer must still hear that the run ended
            log.exception("could not record the end of run %s", self.run_id)
            self.status = END_STATUS[type(end)]
            self._queue.put_nowait(end)
