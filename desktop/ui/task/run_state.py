"""What the task pane shows of one run, built by feeding the run's events in order.

This is the one renderer for live and stored runs: the pane feeds a live run's events as the
controller relays them, and a stored run's from `store.events()`; both go through `apply`.
Each run has its own `RunState` (plan, timeline rows, totals), so a run in the background keeps
up to date while another is on screen, and switching runs only swaps which state is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop.core.events import (
    AgentMessage,
    ApprovalNeeded,
    ApprovalResolved,
    Budget,
    BudgetExhausted,
    ContextCompacted,
    McpServerFailed,
    McpServerRestarted,
    McpServerStarted,
    PlanItem,
    PlanUpdated,
    Retrying,
    Rewound,
    RunCancelled,
    RunEvent,
    RunFailed,
    RunFinished,
    RunForked,
    RunResumed,
    RunStarted,
    StepStarted,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
    Usage,
    UsageUpdated,
)
from desktop.core.wording import counted
from desktop.ui.task.timeline.model import TimelineModel
from desktop.ui.widgets.run_format import clock, cost, tokens, tool_title

if TYPE_CHECKING:
    from desktop.core.store.database import Run

INTERRUPTED = "AgentDesk closed while this run was going"
REPLAY = "replay"
"""The status of a state that shows a stored run as it stood at one of its events."""


def rewind_text(event: Rewound) -> str:
    """What a rewind put back, and what it left alone."""
    where = "the run's start" if event.to_seq <= 1 else f"before event {event.to_seq}"
    done = [f"{counted(len(event.changes), 'file')} put back as they were at {where}"]
    if event.conflicts:
        verb = "overwritten" if event.forced else "kept"
        done.append(f"{counted(len(event.conflicts), 'file')} changed since, {verb}: "
                    + ", ".join(event.conflicts))
    if event.lost:
        done.append(f"{counted(len(event.lost), 'file')} could not be restored: "
                    + ", ".join(event.lost))
    return "; ".join(done) + ". Rewinding to this event undoes it."


def compaction_text(event: ContextCompacted) -> str:
    """What the model is no longer sent, in a sentence (the record keeps all of it)."""
    done = []
    if event.cleared:
        count = len(event.cleared)
        done.append(f"{counted(count, 'earlier tool output')} cleared")
    if event.summary:
        done.append(f"the steps before step {event.summary_step} summarised")
    sizes = f"{tokens(event.tokens_before)} → {tokens(event.tokens_after)} tokens"
    text = f"To stay within the model's context window: {' and '.join(done)} ({sizes})."
    return text + (f"\n\nThe summary the model is sent:\n\n{event.summary}" if event.summary
                   else "")


def parse_time(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp) if stamp else None


class RunState(QObject):
    """One run's plan, timeline and totals; `changed` and `planChanged` say what moved."""

    changed = Signal()
    """Status, step, tokens, cost or the retry notice changed."""
    planChanged = Signal()

    def __init__(
        self,
        run_id: int,
        goal: str = "",
        workspace: str = "",
        *,
        budget: Budget | None = None,
        started_at: datetime | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.run_id = run_id
        self.goal = goal
        self.workspace = workspace
        self.budget = budget
        """The run's limits: from its start event, or from the live run it follows."""
        self.timeline = TimelineModel(self)
        self.plan: tuple[PlanItem, ...] = ()
        self.status = "running"
        self.step = 0
        self.usage = Usage()
        self.retry_notice = ""
        self.started_at = started_at or datetime.now(UTC)
        self.ended_at: datetime | None = None

    @classmethod
    def replay(
        cls, run: Run, events: Iterable[RunEvent], parent: QObject | None = None
    ) -> RunState:
        """A stored run, rebuilt by feeding its events through the live path."""
        state = cls(
            run.id, run.goal, run.workspace, started_at=parse_time(run.created_at), parent=parent
        )
        for event in events:
            state.apply(event)
        if state.status == "running" and run.status != "running":
            state.end(run.status, INTERRUPTED if run.status == "interrupted" else "")
        state.ended_at = parse_time(run.ended_at) or state.ended_at
        state.timeline.flush()
        return state

    @property
    def live(self) -> bool:
        return self.status == "running"

    def apply(self, event: RunEvent) -> None:
        """Take one event into the state, in the order the run produced it."""
        timeline = self.timeline
        match event:
            case RunStarted(goal=goal, workspace=workspace, budget=budget):
                self.goal, self.workspace = goal, workspace
                self.budget = budget or self.budget
            case RunForked(parent_run_id=parent, fork_seq=seq, messages=messages):
                timeline.add_note(
                    f"Forked from run #{parent} at event {seq}",
                    f"The model was sent run #{parent}'s conversation up to there "
                    f"({len(messages)} messages), ending with the goal above.",
                )
            case RunResumed(message=message, budget=budget):
                self.status, self.ended_at = "running", None
                self.budget = budget or self.budget
                timeline.add_note("Continued", message or "from where it stopped")
                self.changed.emit()
            case StepStarted(step=step):
                self.step = step
                self.changed.emit()
            case TextDelta(text=text):
                self._clear_retry()
                timeline.end_thinking(self.step)
                timeline.add_text(self.step, text)
            case ThinkingDelta(text=text):
                self._clear_retry()
                timeline.add_thinking(self.step, text)
            case Retrying():
                self.retry_notice = event.notice
                self.changed.emit()
            case AgentMessage(text=text, step=step):
                self._clear_retry()
                timeline.end_thinking(step)
                timeline.set_text(step, text)
            case ContextCompacted():
                timeline.add_note("Context compacted", compaction_text(event))
            case Rewound():
                timeline.add_note("Files rewound", rewind_text(event))
            case McpServerStarted(server=server, tools=offered):
                names = ", ".join(tool_title(name).split(" · ")[0] for name in offered)
                timeline.add_note(f"MCP server {server}",
                                  f"{server} is ready: {counted(len(offered), 'tool')} ({names})")
            case McpServerFailed(server=server, error=error, stderr=stderr):
                printed = f"\n\nIt printed:\n{stderr}" if stderr else ""
                timeline.add_note(f"MCP server {server} failed", f"{error}{printed}")
            case McpServerRestarted(server=server, reason=reason):
                timeline.add_note(f"MCP server {server} restarted",
                                  f"{server} stopped ({reason}) and was started again, once.")
            case PlanUpdated(items=items):
                self.plan = items
                self.planChanged.emit()
            case ToolCallStarted(call_id=call_id, name=name, input=args):
                timeline.start_tool(call_id, name, args)
            case ToolOutput(call_id=call_id, chunk=chunk):
                timeline.tool_output(call_id, chunk)
            case ApprovalNeeded(call_id=call_id, preview=preview):
                timeline.ask(call_id, preview)
            case ApprovalResolved(call_id=call_id, allow=allow, always=always, reason=reason):
                timeline.answered(call_id, allow, always, reason)
            case ToolCallFinished():
                timeline.finish_tool(event)
            case UsageUpdated(usage=usage):
                self.usage = usage
                self.changed.emit()
            case RunFinished():
                self.end("finished", counted(self.step, "step"))
            case RunFailed(error=error):
                self.end("failed", error)
            case RunCancelled(reason=reason):
                self.end("cancelled", reason)
            case BudgetExhausted(limit=limit):
                self.end("budget_exhausted", limit)

    def freeze(self, at: datetime | None) -> None:
        """Show the run as it stood at a replayed event (recorded `at`): time stops there, and
        a question asked then is not asked again now."""
        if self.live:
            self.status = REPLAY
            self.ended_at = at or self.started_at
        self.timeline.forget_pending()
        self.timeline.flush()

    def end(self, status: str, detail: str) -> None:
        """The run is over (its last event, or the controller saw it stop without one)."""
        if not self.live:
            return
        self.status = status
        self.retry_notice = ""
        self.ended_at = datetime.now(UTC)
        self.timeline.end(status, detail)
        self.changed.emit()

    def elapsed_s(self) -> float:
        end = self.ended_at or datetime.now(UTC)
        return max(0.0, (end - self.started_at).total_seconds())

    def status_text(self) -> str:
        """step 3 / 30 · 12.3k in (9.8k cached) / 1.1k out · $0.04 · 0:42 (no cost for
        unpriced models, no "cached" when nothing was read from the prompt cache)."""
        limit = self.budget.max_steps if self.budget else None
        step = f"step {self.step} / {limit}" if limit else f"step {self.step}"
        usage = self.usage
        cached = f" ({tokens(usage.cache_read_tokens)} cached)" if usage.cache_read_tokens else ""
        parts = [step, f"{tokens(usage.input_tokens)} in{cached} / "
                       f"{tokens(usage.output_tokens)} out"]
        if usage.cost_usd:
            parts.append(cost(usage.cost_usd))
        return " · ".join([*parts, clock(self.elapsed_s())])

    def _clear_retry(self) -> None:
        if self.retry_notice:
            self.retry_notice = ""
            self.changed.emit()
