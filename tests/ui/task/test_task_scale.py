"""Scale: a stored run with 500 tool calls and megabytes of output opens and scrolls quickly,
because the timeline is a list view that paints only what is on screen."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QTextEdit
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import (
    AgentMessage,
    RunFinished,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
    Usage,
    UsageUpdated,
)
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.task.timeline.delegate import card_geometry, column
from desktop.ui.task.timeline.model import FOLD_LINES, ToolEntry
from tests.ui.task.helpers import (
    TaskUI,
    card,
    click,
    rows,
    start_run,
    task_ui,
    timeline,
    wait_ended,
    wait_for_approval,
)

CALLS = 500
CHUNK = ("x" * 79 + "\n") * 25  # 2,000 characters, 25 lines
NOISY_SCRIPT = """\
import sys
for number in range(25_000):  # 2 MB
    sys.stdout.write(f"{number:05} " + "x" * 74 + "\\n")
"""


@pytest.fixture
def ui(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    with task_ui(qtbot, store, client) as opened:
        yield opened


def big_run(store: Store, workspace: Path) -> int:
    """500 run_command calls, each streaming 4,000 characters: 2 MB of output (and 2 MB of
    results), stored the way the recorder stores a live run."""
    run = store.create_run("A long run", str(workspace), "test-model")
    add = store.append_event
    add(run.id, RunStarted(run.id, "A long run", str(workspace), "test-model"))
    for step in range(1, CALLS + 1):
        call = f"call-{step}"
        add(run.id, StepStarted(step))
        add(run.id, AgentMessage(f"Check number {step}.", step))
        add(run.id, UsageUpdated(Usage(step * 1000, step * 100, step * 0.001), step))
        add(run.id, ToolCallStarted(call, "run_command", {"command": f"./check {step}"}))
        add(run.id, ToolOutput(call, CHUNK))
        add(run.id, ToolOutput(call, CHUNK))
        add(run.id, ToolCallFinished(call, "run_command", CHUNK * 2 + "[exit code 0]", False, 0.5))
    add(run.id, RunFinished("All checks ran."))
    store.update_run(run.id, status="finished", steps=CALLS)
    return run.id


def settle() -> None:
    """Let the view finish any pending layout."""
    QApplication.processEvents()


def paint_time(ui: TaskUI) -> float:
    started = time.perf_counter()
    ui.pane.timeline.viewport().grab()
    return time.perf_counter() - started


def test_500_tool_calls_and_2_mb_of_output_open_and_scroll_quickly(
    qtbot: QtBot, ui: TaskUI, store: Store, tmp_path: Path
) -> None:
    run_id = big_run(store, tmp_path)
    output = sum(len(e.data.get("chunk", "")) for e in store.events(run_id))
    assert output >= 2_000_000
    ui.run_list.reload()

    started = time.perf_counter()
    ui.pane.show_run(run_id)
    settle()
    opened = time.perf_counter() - started
    assert opened < 3.0, f"opening took {opened:.2f} s"

    shown = rows(ui.pane)
    assert len(shown) == 2 * CALLS + 1
    assert shown[:2] == ["Check number 1.", "run_command ./check 1 — ok · 500 ms"]
    assert shown[-1] == "Finished: 500 steps"
    texts = ui.pane.findChildren(QPlainTextEdit) + ui.pane.findChildren(QTextEdit)
    assert all(t.document().characterCount() < 10_000 for t in texts)  # no giant text widget

    view = ui.pane.timeline
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 100_000  # opened at the newest event
    for value in (0, bar.maximum() // 2, bar.maximum()):
        bar.setValue(value)
        settle()
        assert paint_time(ui) < 0.5

    bar.setValue(bar.maximum() // 2)
    settle()
    index = view.indexAt(view.viewport().rect().center())
    entry = index.data(Qt.ItemDataRole.UserRole)
    if not isinstance(entry, ToolEntry):
        index = timeline(ui.pane).index(index.row() + 1)
        view.scrollTo(index)
        settle()
        entry = index.data(Qt.ItemDataRole.UserRole)
    assert isinstance(entry, ToolEntry) and entry.foldable and not entry.expanded
    folded_height = view.visualRect(index).height()
    geometry = card_geometry(entry, column(view.visualRect(index)), view.delegate.fonts())
    assert geometry.shown_lines == FOLD_LINES
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=geometry.footer.center())
    settle()
    assert entry.expanded  # "show all"
    qtbot.waitUntil(lambda: view.visualRect(index).height() > folded_height * 3)
    assert paint_time(ui) < 0.5

    view.scrollTo(index)
    settle()
    header = card_geometry(entry, column(view.visualRect(index)), view.delegate.fonts()).header
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=header.center())
    assert entry.collapsed  # the header folds the card to one line
    qtbot.waitUntil(lambda: view.visualRect(index).height() < folded_height / 3)


def test_a_command_streaming_2_mb_fills_its_card_live_without_freezing_the_window(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "noisy.py").write_text(NOISY_SCRIPT)
    fake_api.add(
        Turn("Running it.", (ToolUse("run_command", {"command": f"{sys.executable} noisy.py"}),)),
        Turn("That was loud."),
    )
    pane = ui.pane
    run_id = start_run(qtbot, pane, "Run the noisy script", tmp_path)
    panel = wait_for_approval(qtbot, pane, "run_command")
    model = timeline(pane)
    row = model.rowCount() - 1
    seen: list[tuple[str, int]] = []

    def on_data_changed(top: QModelIndex, bottom: QModelIndex) -> None:
        entry = model.entries[row]
        if top.row() <= row <= bottom.row() and isinstance(entry, ToolEntry):
            seen.append((entry.status, entry.body.line_count))

    model.dataChanged.connect(on_data_changed)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def on_tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer(interval=5)
    ticker.timeout.connect(on_tick)
    ticker.start()
    click(qtbot, panel.approve_button)
    wait_ended(qtbot, pane, run_id, timeout=20_000)
    ticker.stop()

    chunks = [e for e in store.events(run_id) if e.type == "ToolOutput"]
    streamed = sum(len(e.data["chunk"]) for e in chunks)
    assert streamed > 900_000  # the core streams the first megabyte live
    assert any(status == "running" and lines > 1000 for status, lines in seen)  # live, in the card
    assert len(seen) < len(chunks) / 3  # repaints coalesced, not one per chunk
    assert max(gaps) < 0.25, f"the UI thread stalled for {max(gaps):.2f} s"
    final = card(pane, "run_command")
    assert final.status == "ok" and final.body.text().endswith("[exit code 0]")
    assert "characters omitted" in final.body.text()  # what the model got: head and tail
