"""The agent's words in the timeline render as Markdown, like a chat reply, and a code block's
Copy link copies the code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.task.pane import TaskPane
from desktop.ui.task.timeline.delegate import card_geometry, column
from desktop.ui.task.timeline.model import THINKING, TextEntry, ToolEntry
from tests.ui.task.helpers import start_run, task_ui, timeline, wait_ended

CODE = "print('hello')"
SAID = f"Use **two** steps:\n\n1. list\n2. read\n\n```python\n{CODE}\n```"


@pytest.fixture
def pane(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskPane]:
    with task_ui(qtbot, store, client) as ui:
        yield ui.pane


def text_rows(pane: TaskPane) -> list[int]:
    model = timeline(pane)
    return [row for row, entry in enumerate(model.entries) if isinstance(entry, TextEntry)]


def link_position(qtbot: QtBot, pane: TaskPane, row: int) -> QPoint:
    """A point over a link in the row: where the timeline shows the pointing hand."""
    view = pane.timeline
    rect = view.visualRect(timeline(pane).index(row))
    for y in range(rect.top(), rect.bottom(), 3):
        for x in range(rect.right() - 2, rect.center().x(), -4):
            qtbot.mouseMove(view.viewport(), QPoint(x, y))
            if view.viewport().cursor().shape() == Qt.CursorShape.PointingHandCursor:
                return QPoint(x, y)
    raise AssertionError("no link found in the row")


def test_markdown_renders_and_the_copy_link_copies_the_code(
    qtbot: QtBot, pane: TaskPane, fake_api: FakeAPI, tmp_path: Path
) -> None:
    fake_api.add(Turn("Looking first.", (ToolUse("list_files", {}),)), Turn(SAID))
    run_id = start_run(qtbot, pane, "Explain", tmp_path)
    wait_ended(qtbot, pane, run_id)
    plain_row, markdown_row = text_rows(pane)
    entries = timeline(pane).entries
    text = pane.timeline.delegate.text
    font = pane.timeline.font()

    assert text.document(entries[plain_row], font) is None  # a plain sentence stays cheap
    document = text.document(entries[markdown_row], font)
    assert document is not None
    shown = document.toPlainText()
    assert "Use two steps:" in shown and "**" not in shown and "```" not in shown
    assert CODE in shown

    QGuiApplication.clipboard().clear()
    pane.timeline.scrollTo(timeline(pane).index(markdown_row))
    at = link_position(qtbot, pane, markdown_row)
    qtbot.mouseClick(pane.timeline.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert QGuiApplication.clipboard().text() == CODE


def test_thinking_streams_onto_a_collapsed_card_that_opens_on_a_click(
    qtbot: QtBot, pane: TaskPane, fake_api: FakeAPI, tmp_path: Path
) -> None:
    fake_api.add(Turn("Nothing to change.", thinking="The goal is already met."))
    run_id = start_run(qtbot, pane, "Check", tmp_path)
    wait_ended(qtbot, pane, run_id)
    [thought] = [e for e in timeline(pane).entries if isinstance(e, ToolEntry)]
    assert (thought.name, thought.status, thought.collapsed) == (THINKING, "thought", True)
    assert thought.body.text() == "The goal is already met."
    index = timeline(pane).index(timeline(pane).entries.index(thought))
    view = pane.timeline
    header = card_geometry(thought, column(view.visualRect(index)), view.delegate.fonts()).header
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=header.center())
    assert not thought.collapsed
