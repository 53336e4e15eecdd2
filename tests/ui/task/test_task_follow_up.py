"""A task is a conversation: a finished run takes a follow-up in the box under it, and goes on
in the same timeline, keeping its id, its events and its earlier steps on screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from tests.ui.task.helpers import (
    TaskUI,
    click,
    find,
    rows,
    start_run,
    task_ui,
    wait_ended,
)


@pytest.fixture
def ui(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    with task_ui(qtbot, store, client) as opened:
        yield opened


def test_a_finished_run_takes_a_follow_up_and_goes_on_in_place(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("# hi\n")
    fake_api.add(Turn("Looking.", (ToolUse("list_files", {}),)), Turn("All tests pass."))
    pane = ui.pane
    run_id = start_run(qtbot, pane, "Fix the tests", tmp_path)
    wait_ended(qtbot, pane, run_id)
    box = find(pane, "followUpInput", QLineEdit)
    button = find(pane, "continueRunButton", QPushButton)
    qtbot.waitUntil(box.isVisible)
    assert not button.isEnabled()  # a finished run needs words to go on

    fake_api.add(Turn("README updated."))
    qtbot.keyClicks(box, "Now also update the README")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ui.controller.is_running(run_id) or store.run(run_id).steps == 3)
    wait_ended(qtbot, pane, run_id)

    assert pane.run_id == run_id and store.run(run_id).status == "finished"
    shown = rows(pane)
    assert shown.index("All tests pass.") < shown.index("README updated.")
    assert any("Now also update the README" in row for row in shown)
    types = [e.type for e in store.events(run_id)]
    assert types.count("RunFinished") == 2 and "RunResumed" in types
    sent = fake_api.requests[-1]["body"]["messages"]
    assert sent[-1] == {"role": "user", "content": [
        {"type": "text", "text": "Now also update the README"}]}
    qtbot.waitUntil(box.isVisible)  # offered again under the ended run
    click(qtbot, find(pane, "newTaskButton"))
    assert not box.isVisible()
