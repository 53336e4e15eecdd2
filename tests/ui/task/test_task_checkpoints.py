"""The files a run changed, with their diffs, and rewinding them, from the replay bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QListWidget, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.task.files_panel import FilesDialog
from tests.ui.task.helpers import (
    TaskUI,
    click,
    find,
    has_visible,
    rows,
    start_run,
    task_ui,
    wait_ended,
    wait_for_approval,
)

BUGGY = "def add(a, b):\n    return a - b\n"
FIXED = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def ui(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    with task_ui(qtbot, store, client) as opened:
        yield opened


def start_fixing(qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, tmp_path: Path, command: str
                 ) -> tuple[int, Path]:
    """Start a run that will edit calc.py, then run `command`, then finish."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text(BUGGY)
    fake_api.add(
        Turn("Fixing.", (ToolUse("edit_file", {"path": "calc.py", "old_text": "a - b",
                                               "new_text": "a + b"}),)),
        Turn("Testing.", (ToolUse("run_command", {"command": command}),)),
        Turn("Fixed and tested."),
    )
    return start_run(qtbot, ui.pane, "Fix add()", root), root


def fix_and_test(qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, tmp_path: Path) -> tuple[int, Path]:
    """A run that edits calc.py, then runs a command that writes a report: both approved."""
    run_id, root = start_fixing(qtbot, ui, fake_api, tmp_path, "echo passed > report.txt")
    pane = ui.pane
    click(qtbot, wait_for_approval(qtbot, pane, "edit_file").approve_button)
    click(qtbot, wait_for_approval(qtbot, pane, "run_command").approve_button)
    wait_ended(qtbot, pane, run_id)
    qtbot.waitUntil(lambda: find(pane, "rewindButton").isVisible(), timeout=5000)
    assert (root / "calc.py").read_text() == FIXED and (root / "report.txt").exists()
    return run_id, root


def answer_rewind(ui: TaskUI, overwrite: bool) -> list[tuple[str, bool]]:
    """Stand in for the rewind question: record it, and answer."""
    asked: list[tuple[str, bool]] = []

    def ask(_parent: object, question: str, conflicts: bool, then: Callable[[bool], None]
            ) -> None:
        asked.append((question, conflicts))
        then(overwrite)

    ui.pane.replay_actions.ask_rewind = ask
    return asked


def slide_to(ui: TaskUI, position: int) -> None:
    ui.pane.replay_bar.slider.setValue(position)


def test_the_files_panel_shows_what_tools_and_commands_changed(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, tmp_path: Path
) -> None:
    fix_and_test(qtbot, ui, fake_api, tmp_path)
    files_button = find(ui.pane, "filesButton", QPushButton)
    assert "calc.py" in files_button.text() and "report.txt" in files_button.text()

    click(qtbot, files_button)
    dialog = ui.pane.replay_actions.files_dialog
    assert isinstance(dialog, FilesDialog) and dialog.isVisible()
    listed = find(dialog, "touchedFiles", QListWidget)
    lines = [listed.item(i).text() for i in range(listed.count())]
    assert lines == ["calc.py · changed · +1 −1", "report.txt · new · +1 −0"]
    diff = find(dialog, "fileDiff", QPlainTextEdit).toPlainText()
    assert "-    return a - b\n+    return a + b" in diff
    listed.setCurrentRow(1)
    assert "+passed" in find(dialog, "fileDiff", QPlainTextEdit).toPlainText()
    dialog.close()


def test_rewinding_to_the_start_undoes_the_edit_and_the_command(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    run_id, root = fix_and_test(qtbot, ui, fake_api, tmp_path)
    asked = answer_rewind(ui, overwrite=False)
    slide_to(ui, 0)

    click(qtbot, find(ui.pane, "rewindButton", QPushButton))

    [(question, conflicts)] = asked
    assert "when the run started" in question and "calc.py" in question and not conflicts
    assert (root / "calc.py").read_text() == BUGGY and not (root / "report.txt").exists()
    assert store.events(run_id)[-1].type == "Rewound"
    assert rows(ui.pane)[-1] == (
        "2 files put back as they were at the run's start. Rewinding to this event undoes it.")


def test_a_file_changed_by_hand_since_is_kept_unless_overwritten(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, tmp_path: Path
) -> None:
    _run_id, root = fix_and_test(qtbot, ui, fake_api, tmp_path)
    (root / "calc.py").write_text(FIXED + "# mine\n")
    asked = answer_rewind(ui, overwrite=False)
    slide_to(ui, 0)
    click(qtbot, find(ui.pane, "rewindButton", QPushButton))

    [(question, conflicts)] = asked
    assert conflicts and "Changed since the run" in question
    assert (root / "calc.py").read_text() == FIXED + "# mine\n"  # kept
    assert not (root / "report.txt").exists()  # the rest went back

    answer_rewind(ui, overwrite=True)
    slide_to(ui, 0)
    click(qtbot, find(ui.pane, "rewindButton", QPushButton))
    assert (root / "calc.py").read_text() == BUGGY


def test_the_live_run_shows_the_files_it_has_changed_so_far(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, tmp_path: Path
) -> None:
    run_id, _root = start_fixing(qtbot, ui, fake_api, tmp_path, "true")
    pane = ui.pane
    assert not find(pane, "liveFilesButton").isHidden()
    click(qtbot, wait_for_approval(qtbot, pane, "edit_file").approve_button)
    panel = wait_for_approval(qtbot, pane, "run_command")  # the edit is done, the run goes on

    click(qtbot, find(pane, "liveFilesButton", QPushButton))
    dialog = pane.replay_actions.files_dialog
    assert isinstance(dialog, FilesDialog)
    assert dialog.windowTitle() == f"Run #{run_id}: files changed so far"
    assert [f.path for f in dialog.files] == ["calc.py"]
    dialog.close()
    click(qtbot, panel.deny_button)
    wait_ended(qtbot, pane, run_id)
    qtbot.waitUntil(lambda: find(pane, "filesButton").isVisible(), timeout=5000)
    assert not has_visible(pane, "liveFilesButton")  # the replay bar has it now
