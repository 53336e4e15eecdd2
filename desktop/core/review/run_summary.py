"""What a run came to, in numbers: for comparing two runs and for a replay's "files touched".

Read from the stored events rather than the run's row where the row has no such column
(tools used, files changed), so a run's summary is the same wherever it was recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from desktop.core.events import (
    Rewound,
    RunEvent,
    ToolCallFinished,
    ToolCallStarted,
    WorkspaceChanged,
)
from desktop.core.store.records import Run, StoredEvent

FILE_TOOLS = frozenset({"write_file", "edit_file"})


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    goal: str
    status: str
    outcome: str
    """The summary of a finished run, else what stopped it."""
    steps: int
    tools: dict[str, int]
    """Calls per tool, most used first."""
    input_tokens: int
    output_tokens: int
    cost_usd: float
    duration_s: float | None
    files_changed: tuple[str, ...]


def files_touched(events: Iterable[RunEvent]) -> list[str]:
    """Paths the run changed, first change first: its recorded workspace changes (by tools
    and commands alike), or for a run recorded without them, its write_file and edit_file
    calls that succeeded."""
    events = list(events)
    recorded = [e for e in events if isinstance(e, WorkspaceChanged | Rewound)]
    if recorded:
        return list(dict.fromkeys(c.path for e in recorded for c in e.changes))
    paths: dict[str, str] = {}  # call id -> path, for calls under way
    changed: dict[str, None] = {}
    for event in events:
        match event:
            case ToolCallStarted(call_id=call_id, name=name, input=arguments) if (
                name in FILE_TOOLS
            ):
                paths[call_id] = str(arguments.get("path", ""))
            case ToolCallFinished(call_id=call_id, is_error=False) if call_id in paths:
                changed[paths.pop(call_id)] = None
    return [path for path in changed if path]


def summarize(run: Run, stored: Sequence[StoredEvent]) -> RunSummary:
    events = [e.event() for e in stored]
    tools = Counter(e.name for e in events if isinstance(e, ToolCallStarted))
    return RunSummary(
        run_id=run.id,
        goal=run.goal,
        status=run.status,
        outcome=(run.summary if run.status == "finished" else run.error) or "",
        steps=run.steps,
        tools=dict(tools.most_common()),
        input_tokens=run.input_tokens,
        output_tokens=run.output_tokens,
        cost_usd=run.cost_usd,
        duration_s=_duration(run, stored),
        files_changed=tuple(files_touched(events)),
    )


def _duration(run: Run, stored: Sequence[StoredEvent]) -> float | None:
    """Start to end; a run that never recorded its end lasted until its last event."""
    end = run.ended_at or (stored[-1].created_at if stored else None)
    if end is None:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(run.created_at)).total_seconds()
