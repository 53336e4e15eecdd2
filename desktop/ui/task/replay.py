"""Replaying a stored run one event at a time: what the pane shows at each position.

Position k means "after the run's first k events" (k = its event seq), from 0 to all of them.
A position before the end is a `RunState` fed the first k events through the same `apply`
that renders live runs, then frozen (no clock, no approval to answer); rebuilding is cheap
enough to do for each step. The end is the run's full state, as the pane already has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from desktop.core.events import AgentMessage, StepStarted, TextDelta, ThinkingDelta, ToolOutput
from desktop.core.review.run_summary import files_touched
from desktop.ui.task.run_state import RunState, parse_time

if TYPE_CHECKING:
    from desktop.core.store.database import Run, StoredEvent


class Replay:
    """One stored run and the position the user has walked it to."""

    def __init__(
        self, run: Run, stored: Sequence[StoredEvent], full: RunState, parent: QObject
    ) -> None:
        self.run = run
        self.stored = list(stored)
        self.events = [e.event() for e in self.stored]
        self.full = full
        self.stops = stops(self.events)
        self.position = len(self.stored)
        self._parent = parent
        self._partial: RunState | None = None

    @property
    def length(self) -> int:
        return len(self.stored)

    @property
    def at_end(self) -> bool:
        return self.position >= self.length

    def move_to(self, position: int) -> RunState:
        """Go to `position` (clamped); the state to show there."""
        self.position = max(0, min(position, self.length))
        if self._partial is not None:
            self._partial.deleteLater()
            self._partial = None
        if self.at_end:
            return self.full
        run = self.run
        state = RunState(run.id, run.goal, run.workspace, started_at=parse_time(run.created_at),
                         parent=self._parent)
        for event in self.events[: self.position]:
            state.apply(event)
        last = self.stored[self.position - 1] if self.position else None
        state.freeze(parse_time(last.created_at) if last else None)
        self._partial = state
        return state

    def neighbour(self, position: int, direction: int) -> int:
        """The next stop after `position` (direction 1) or before it (-1): streamed pieces
        of one text or one command's output are walked over as one event."""
        if direction > 0:
            return next((s for s in self.stops if s > position), self.length)
        return next((s for s in reversed(self.stops) if s < position), 0)

    def files(self) -> list[str]:
        """Files the run had changed by the current position."""
        return files_touched(self.events[: self.position])

    def step(self) -> int:
        """The agent's step at the current position (0 before its first)."""
        steps = [e.step for e in self.events[: self.position] if isinstance(e, StepStarted)]
        return steps[-1] if steps else 0

    def row(self, state: RunState) -> int | None:
        """The timeline row the event at the current position made or changed."""
        if self.position == 0 or self.at_end:
            return None
        event = self.events[self.position - 1]
        call_id = getattr(event, "call_id", None)
        if call_id is not None:
            return state.timeline.row_of_call(call_id)
        if isinstance(event, AgentMessage | TextDelta):
            return state.timeline.row_of_step(state.step)
        rows = state.timeline.rowCount()
        return rows - 1 if rows else None

    def describe(self) -> str:
        """"Event 12 of 40 · step 3" for the bar."""
        return f"Event {self.position} of {self.length} · step {self.step()}"


def stops(events: Sequence[object]) -> list[int]:
    """The positions worth stopping at: all but those inside a run of streamed pieces of the
    same text, thinking or command output (a 4-step run streams ~80 events, ~20 of meaning)."""
    def piece(event: object) -> tuple[type, str] | None:
        if isinstance(event, TextDelta | ThinkingDelta):
            return type(event), ""
        if isinstance(event, ToolOutput):
            return ToolOutput, event.call_id
        return None

    found = [0]
    for position in range(1, len(events) + 1):
        here = piece(events[position - 1])
        after = piece(events[position]) if position < len(events) else None
        if here is None or here != after:
            found.append(position)
    return found
