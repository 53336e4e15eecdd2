"""Recording: run events appended to a file database with the app's durability (WAL,
synchronous=NORMAL, one commit per event, as the recorder appends them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.data import OUTPUT_CHUNK
from benchmarks.measure import Figure, figures_json
from desktop.core.events import (
    AgentMessage,
    RunEvent,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
    Usage,
    UsageUpdated,
)
from desktop.core.store.database import Store

LINE = OUTPUT_CHUNK[:80]


def step_events(step: int) -> list[RunEvent]:
    """One agent step as a run records it: eight events, mostly streamed command output."""
    call = f"call-{step}"
    return [
        StepStarted(step),
        AgentMessage(f"Running the checks for module {step}.", step),
        UsageUpdated(Usage(step * 900, step * 120, step * 0.002), step),
        ToolCallStarted(call, "run_command", {"command": f"pytest tests/test_{step}.py"}),
        *(ToolOutput(call, LINE) for _ in range(3)),
        ToolCallFinished(call, "run_command", LINE * 3 + "[exit code 0]", False, 0.4),
    ]


def measure(mode: str) -> list[dict[str, object]]:
    steps = 250 if mode == "quick" else 2_500
    events = [event for step in range(1, steps + 1) for event in step_events(step)]
    with Store(Path(os.environ["AGENTDESK_HOME"]) / "events.db") as store:
        run = store.create_run("Run the tests", "/tmp/workspace", "claude-sonnet-5-5")
        started = time.perf_counter()
        for event in events:
            store.append_event(run.id, event)
        elapsed = time.perf_counter() - started
    return figures_json([
        Figure("db_append_events_per_s", len(events) / elapsed, "events/s", ">", 5_000),
    ])
