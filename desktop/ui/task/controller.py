"""The task pane's bridge to the agent core: intents in (start, stop, approve, deny), events out.

It owns the live runs: one asyncio task per run iterates its `ActiveRun` to the end and
re-emits every event as `runEvent(run_id, event)`, so any number of runs go on at once, and
keep going whatever the window shows. It keeps each run's pending `ApprovalNeeded` so an
answer from the pane can resolve it. No widgets and no agent logic: the recorder has already
stored each event when it arrives here. Failures become the `error` signal, worded for the user.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.agent.fork import fork_at
from desktop.core.agent.permissions import Approve, Policy
from desktop.core.agent.recorder import APP_CLOSED, ActiveRun, continue_run, start_run
from desktop.core.agent.sandbox import executor_for, fallback_notice, run_policy
from desktop.core.agent.workspace import Workspace, WorkspaceError
from desktop.core.checkpoints.rewind import (
    RewindDone,
    RewindError,
    RewindPlan,
    plan_rewind,
    rewind,
)
from desktop.core.checkpoints.touched import TouchedFile, files_touched
from desktop.core.events import ApprovalNeeded, ApprovalResolved, Budget, Decision, RunForked
from desktop.core.model.client import DEFAULT_MODEL, FALLBACK_MODELS, ModelClient
from desktop.core.settings import Settings, context_limits
from desktop.core.store.database import Run, Store, StoredEvent, StoreError
from desktop.ui.shell.model_choice import ModelChoice

log = logging.getLogger(__name__)

NO_KEY = (
    "No API key: add one in Settings (Ctrl+,), or set ANTHROPIC_API_KEY and restart, "
    "or click “Use demo model” (or start with `agentdesk --demo`)."
)


class TaskController(ModelChoice, QObject):
    """All agent runs of one window: the live ones, and the stored ones read on request."""

    runEvent = Signal(int, object)
    """(run id, event): every event of a live run, in order, already stored."""
    runStarted = Signal(int)
    runEnded = Signal(int, str)
    """(run id, final status: finished, failed, cancelled or budget_exhausted)."""
    runDeleted = Signal(int)
    approvalChanged = Signal(int, bool)
    """(run id, waiting): the run started or stopped waiting for the user's answer."""
    modelsLoaded = Signal(list)
    """The models the next run can use (its endpoint's list)."""
    error = Signal(str)

    def __init__(
        self,
        store: Store,
        client: ModelClient,
        model: str = DEFAULT_MODEL,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._client = client
        self.model = model
        self.default_model = model
        self.models: list[str] = list(FALLBACK_MODELS)
        self.provider = ""
        """The provider profile of `client`: later runs talk to it."""
        self.approval_policy: Approve = "ask"
        """How later runs treat tool calls when the caller gives no policy."""
        self.settings = Settings()
        """Where later runs' commands run: the sandbox and its network, the environment."""
        self.clients: Callable[[str], ModelClient | None] = lambda _profile: None
        """The client of a provider profile by name (the window's router answers), so a run
        goes on with the profile it was made with, whichever the pane has picked since."""
        self._runs: dict[int, ActiveRun] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._budgets: dict[int, Budget] = {}
        self._pending: dict[int, ApprovalNeeded] = {}

    # --- intents --------------------------------------------------------------------------

    def start(
        self,
        goal: str,
        workspace: str | Path,
        budget: Budget | None = None,
        model: str | None = None,
        *,
        policy: Policy | None = None,
        fork: RunForked | None = None,
    ) -> int | None:
        """Start a run and return its id, or None (and `error`) when it cannot start.

        A `fork` starts it from another run's conversation (see `fork`)."""
        if problem := self.problem(goal, workspace):
            self.error.emit(problem)
            return None
        budget = budget or Budget()
        try:
            run = start_run(
                self._store, self._client, goal.strip(), workspace,
                budget=budget, model=model or self.model, fork=fork, provider=self.provider,
                **self._run_options(policy),
            )
        except (WorkspaceError, StoreError) as exc:
            self.error.emit(f"The run could not start: {exc}")
            return None
        run_id = run.run_id
        self._runs[run_id] = run
        self._budgets[run_id] = budget
        self._tasks[run_id] = asyncio.ensure_future(self._follow(run))
        self.runStarted.emit(run_id)
        return run_id

    def continue_run(self, run_id: int, message: str, budget: Budget | None = None) -> bool:
        """Go on with an ended or interrupted run (with a follow-up `message`, if any); False
        (and `error`) when it cannot."""
        if self.is_running(run_id):
            return False
        client = self._client_of(run_id)
        if not client.api_key:
            self.error.emit(NO_KEY)
            return False
        try:
            run = continue_run(
                self._store, client, run_id, message, budget=budget,
                **self._run_options(None),
            )
        except (WorkspaceError, StoreError, ValueError) as exc:
            self.error.emit(f"The run could not go on: {exc}")
            return False
        self._runs[run_id] = run
        self._tasks[run_id] = asyncio.ensure_future(self._follow(run))
        self.runStarted.emit(run_id)
        return True

    def fork(
        self, run_id: int, seq: int, instruction: str, budget: Budget | None = None
    ) -> int | None:
        """Start a run in `run_id`'s workspace from its conversation as it stood at event `seq`,
        then `instruction`; the new run's id, or None (and `error`)."""
        try:
            parent = self._store.run(run_id)
            fork = fork_at(run_id, self._store.events(run_id, seq), seq, instruction.strip())
        except StoreError as exc:
            self.error.emit(f"The fork could not start: {exc}")
            return None
        return self.start(instruction, parent.workspace, budget, fork=fork)

    def delete(self, run_id: int) -> None:
        """Delete a run that has ended, and everything it recorded (search forgets it too)."""
        if self.is_running(run_id):
            self.error.emit("This run is still going: stop it before deleting it.")
            return
        try:
            self._store.delete_run(run_id)
        except StoreError as exc:
            self.error.emit(str(exc))
            return
        self.runDeleted.emit(run_id)

    def files_touched(self, run_id: int, upto_seq: int | None = None) -> list[TouchedFile]:
        """The files the run changed (by its event `upto_seq`), with their diffs."""
        try:
            return files_touched(self._store, run_id, upto_seq)
        except (StoreError, OSError) as exc:
            self.error.emit(f"Could not read the run's files: {exc}")
            return []

    def plan_rewind(self, run_id: int, to_seq: int) -> RewindPlan | None:
        """What rewinding to before event `to_seq` would do; None (and `error`) if it can't."""
        if self.is_running(run_id):
            self.error.emit("This run is still going: stop it before rewinding its files.")
            return None
        try:
            return plan_rewind(self._store, run_id, to_seq)
        except (RewindError, WorkspaceError, StoreError, OSError) as exc:
            self.error.emit(f"Cannot rewind: {exc}")
            return None

    def rewind(self, run_id: int, to_seq: int, *, force: bool = False) -> RewindDone | None:
        """Put the run's workspace back as it was before event `to_seq`, recorded in the run."""
        try:
            return rewind(self._store, run_id, to_seq, force=force)
        except (RewindError, WorkspaceError, StoreError, OSError) as exc:
            self.error.emit(f"The rewind failed: {exc}")
            return None

    def problem(self, goal: str, workspace: str | Path) -> str | None:
        """Why a run of `goal` in `workspace` cannot start, worded for the user; None if it can."""
        if not goal.strip():
            return "Describe the goal first: what should the agent achieve?"
        if not self._client.api_key:
            return NO_KEY
        try:
            Workspace(workspace)
        except WorkspaceError as exc:
            return f"The run could not start: {exc}"
        return None

    def stop(self, run_id: int) -> None:
        """Cancel the run; a running command is killed and the run ends as cancelled."""
        run = self._runs.get(run_id)
        if run is not None:
            run.cancel()

    def approve(self, run_id: int, call_id: str, always: bool = False) -> None:
        """Let the pending call run; `always` allows its tool for the rest of this run."""
        self._resolve(run_id, call_id, Decision(allow=True, always=always))

    def deny(self, run_id: int, call_id: str, reason: str = "") -> None:
        """Refuse the pending call; the model receives the denial and `reason`."""
        self._resolve(run_id, call_id, Decision(allow=False, reason=reason.strip()))

    def use_client(
        self,
        client: ModelClient,
        model: str = "",
        models: list[str] | None = None,
        provider: str = "",
    ) -> None:
        """Start later runs on another endpoint; live runs keep theirs. `models` fixes the
        list (the demo's); else the endpoint's is loaded."""
        self._client = client
        self.provider = provider or self.provider
        self.model = model or self.model
        self._fixed_models = models
        self.load_models()

    def set_model(self, model: str) -> None:
        self.model = model

    @property
    def client(self) -> ModelClient:
        """The client later runs start on."""
        return self._client

    def preferred_models(self) -> tuple[str, ...]:
        return (self.model, self.default_model, DEFAULT_MODEL)

    # --- what the pane reads ----------------------------------------------------------------

    def is_running(self, run_id: int) -> bool:
        return run_id in self._runs

    def running(self) -> list[int]:
        return list(self._runs)

    def budget(self, run_id: int) -> Budget | None:
        """The budget a live run was started with; a stored run's is in its `RunStarted`."""
        return self._budgets.get(run_id)

    def runs(self, limit: int | None = None) -> list[Run]:
        """Stored runs, newest first, the first `limit` if given ([] and `error` if the
        database fails)."""
        try:
            return self._store.runs(limit)
        except StoreError as exc:
            self.error.emit(str(exc))
            return []

    def run(self, run_id: int) -> Run | None:
        try:
            return self._store.run(run_id)
        except StoreError as exc:
            self.error.emit(str(exc))
            return None

    def stored_events(self, run_id: int) -> list[StoredEvent]:
        """A run's events as the store has them (`.event()` rebuilds each for the renderer)."""
        try:
            return self._store.events(run_id)
        except StoreError as exc:
            self.error.emit(str(exc))
            return []

    async def aclose(self) -> None:
        """Cancel every live run (because the app closes) and wait until each is stored."""
        tasks = list(self._tasks.values())
        if self._models_task is not None:
            self._models_task.cancel()
            tasks.append(self._models_task)
        for run in self._runs.values():
            run.cancel(APP_CLOSED)
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- internals --------------------------------------------------------------------------

    def _client_of(self, run_id: int) -> ModelClient:
        """The client of the profile the run was made with, else the pane's."""
        stored = self.run(run_id)
        if stored is not None and stored.provider and stored.provider != self.provider:
            return self.clients(stored.provider) or self._client
        return self._client

    def _run_options(self, policy: Policy | None) -> dict[str, Any]:
        """How a run started now goes: where its commands run (saying so once when there is
        no sandbox), its approvals, thinking budget and context window, from the settings."""
        executor = executor_for(self.settings)
        if notice := fallback_notice(self.settings):
            self.error.emit(notice)
        policy = run_policy(policy or Policy.from_approve(self.approval_policy), executor,
                            self.settings)
        return {"policy": policy, "executor": executor, "context":
                context_limits(self.settings, self.provider),
                "thinking_budget": self.settings.thinking_budget,
                "max_tokens": self.settings.agent_max_tokens}

    def _resolve(self, run_id: int, call_id: str, decision: Decision) -> None:
        request = self._pending.get(run_id)
        if request is None or request.call_id != call_id:
            return  # answered already, or the run ended meanwhile
        del self._pending[run_id]
        request.resolve(decision)

    async def _follow(self, run: ActiveRun) -> None:
        """Relay the run's events until its last one; the run ends even if this is cancelled."""
        run_id = run.run_id
        try:
            async for event in run:
                if isinstance(event, ApprovalNeeded):
                    self._pending[run_id] = event
                    self.approvalChanged.emit(run_id, True)
                elif isinstance(event, ApprovalResolved):
                    self._pending.pop(run_id, None)
                    self.approvalChanged.emit(run_id, False)
                self.runEvent.emit(run_id, event)
        except Exception as exc:  # a bug must not kill the window: report it and go on
            log.exception("following run %s failed", run_id)
            self.error.emit(f"Run {run_id} stopped unexpectedly: {exc}")
        finally:
            self._runs.pop(run_id, None)
            self._tasks.pop(run_id, None)
            if self._pending.pop(run_id, None) is not None:
                self.approvalChanged.emit(run_id, False)
            self.runEnded.emit(run_id, run.status)
