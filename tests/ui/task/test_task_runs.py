"""Several runs: at once in different workspaces, in the run list with their status, shown
again from the store exactly as they looked live; workspaces, bad and remembered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core import settings
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import RunStarted, StepStarted, ToolCallStarted
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.task.run_list import STATUS_ROLE, WAITING
from tests.ui.task.helpers import (
    TaskUI,
    bodies,
    card,
    choose_workspace,
    click,
    find,
    has_visible,
    rows,
    select_in_run_list,
    start_run,
    task_ui,
    wait_ended,
    wait_for_approval,
)


@pytest.fixture
def ui(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    with task_ui(qtbot, store, client) as opened:
        yield opened


def folder(tmp_path: Path, name: str, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / name
    root.mkdir()
    for file, text in (files or {"README.md": f"# {name}\n"}).items():
        (root / file).write_text(text)
    return root


def per_workspace(body: dict[str, Any]) -> Turn:
    """Two scripts, told apart by the workspace in the system prompt; each step by its results."""
    answered = any(
        isinstance(m["content"], list) and any(b.get("type") == "tool_result" for b in m["content"])
        for m in body["messages"]
    )
    if "alpha" in body["system"]:
        if answered:
            return Turn("alpha: note written.")
        return Turn("Writing a note.",
                    (ToolUse("write_file", {"path": "note.txt", "content": "from alpha\n"}),))
    if answered:
        return Turn("beta: looked around.")
    return Turn("Looking around.", (ToolUse("list_files", {}),), tokens_per_s=400)


def test_two_runs_go_at_once_in_different_workspaces(
    qtbot: QtBot, qloop: object, store: Store, tmp_path: Path
) -> None:
    alpha, beta = folder(tmp_path, "alpha"), folder(tmp_path, "beta")
    with FakeAPI(responder=per_workspace) as api, task_ui(
        qtbot, store, ModelClient(api_key="test", base_url=api.url)
    ) as ui:
        pane, run_list = ui.pane, ui.run_list
        first = start_run(qtbot, pane, "Write a note", alpha)
        wait_for_approval(qtbot, pane, "write_file")

        click(qtbot, find(pane, "newTaskButton", QPushButton))  # alpha waits; start another
        assert find(pane, "goalInput", QPlainTextEdit).toPlainText() == ""
        second = start_run(qtbot, pane, "Look around", beta)
        assert set(ui.controller.running()) == {first, second}
        assert run_list.status_of(first) == WAITING  # "needs approval", while beta goes on
        assert run_list.status_of(second) == "running"
        wait_ended(qtbot, pane, second)
        assert rows(pane)[-1] == "Finished: 2 steps"
        assert ui.controller.is_running(first)  # still waiting for its approval
        assert run_list.status_of(second) == "finished"
        assert run_list.status_of(first) == WAITING

        select_in_run_list(qtbot, run_list, first)
        assert pane.run_id == first
        panel = wait_for_approval(qtbot, pane, "write_file")
        click(qtbot, panel.approve_button)
        wait_ended(qtbot, pane, first)

    assert (alpha / "note.txt").read_text() == "from alpha\n"
    assert not (beta / "note.txt").exists()
    assert [store.run(first).status, store.run(second).status] == ["finished", "finished"]
    assert [store.run(first).workspace, store.run(second).workspace] == [
        str(alpha.resolve()), str(beta.resolve())
    ]
    assert [run_list.item(r).data(STATUS_ROLE) for r in range(run_list.count())] == [
        "finished", "finished"
    ]


def test_a_finished_run_shown_from_the_store_looks_as_it_did_live(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, client: ModelClient,
    tmp_path: Path,
) -> None:
    root = folder(tmp_path, "project", {"calc.py": "def add(a, b):\n    return a - b\n"})
    items = [{"text": "Fix add()", "status": "in_progress"}, {"text": "Test", "status": "pending"}]
    fake_api.add(
        Turn("Planning.", (ToolUse("update_plan", {"items": items}),
                           ToolUse("read_file", {"path": "calc.py"}))),
        Turn("Fixing.", (ToolUse("edit_file", {"path": "calc.py", "old_text": "a - b",
                                               "new_text": "a + b"}),)),
        Turn("Testing.", (ToolUse("run_command", {"command": "echo checked; exit 3"}),)),
        Turn("Done, though the check failed."),
    )
    pane = ui.pane
    run_id = start_run(qtbot, pane, "Fix add()", root)
    click(qtbot, wait_for_approval(qtbot, pane, "edit_file").always_button)
    panel = wait_for_approval(qtbot, pane, "run_command")
    click(qtbot, panel.approve_button)
    wait_ended(qtbot, pane, run_id)
    live = (rows(pane), bodies(pane), pane.plan_view.statuses())
    assert card(pane, "run_command").status == "error"
    assert card(pane, "edit_file").note == "edit_file is allowed for the rest of this run"

    click(qtbot, find(pane, "newTaskButton", QPushButton))
    assert pane.run_id is None and find(pane, "runButton").isVisible()
    with task_ui(qtbot, store, client) as fresh:  # a new window: nothing in memory
        assert fresh.run_list.count() == 1
        select_in_run_list(qtbot, fresh.run_list, run_id)
        shown = fresh.pane
        assert shown.run_id == run_id
        assert (rows(shown), bodies(shown), shown.plan_view.statuses()) == live
        goal = find(shown, "goalInput", QPlainTextEdit)
        assert goal.isReadOnly() and goal.toPlainText() == "Fix add()"
        assert str(root.resolve()) in find(shown, "workspaceButton").toolTip()
        assert find(shown, "newTaskButton").isVisible()
        assert not has_visible(shown, "runButton") and not has_visible(shown, "stopButton")
        assert find(shown, "runBadge", QLabel).accessibleDescription() == "Finished"
        # the run's own limits, from its stored start event
        assert find(shown, "runStatus", QLabel).text().startswith("step 4 / 30 · ")
        assert find(shown, "budgetSummary", QLabel).text() == "30 steps · $5.00 · 60 min"

        click(qtbot, find(shown, "newTaskButton", QPushButton))
        assert not find(shown, "goalInput", QPlainTextEdit).isReadOnly()
        assert fresh.run_list.current_run() is None


def test_an_interrupted_run_shows_what_was_stored_and_why_it_stopped(
    qtbot: QtBot, ui: TaskUI, store: Store, tmp_path: Path
) -> None:
    run = store.create_run("Left running", str(tmp_path), "test-model")
    store.append_event(run.id, RunStarted(run.id, "Left running", str(tmp_path), "test-model"))
    store.append_event(run.id, StepStarted(1))
    store.append_event(run.id, ToolCallStarted("c1", "run_command", {"command": "make"}))
    assert store.mark_interrupted() == 1
    ui.run_list.reload()
    assert ui.run_list.status_of(run.id) == "interrupted"

    select_in_run_list(qtbot, ui.run_list, run.id)
    assert rows(ui.pane) == [
        "run_command make — stopped", "Interrupted: AgentDesk closed while this run was going"
    ]
    assert find(ui.pane, "runBadge", QLabel).accessibleDescription() == "Interrupted"


def test_a_bad_workspace_is_reported_in_the_pane(
    qtbot: QtBot, ui: TaskUI, store: Store, tmp_path: Path
) -> None:
    pane = ui.pane
    goal = find(pane, "goalInput", QPlainTextEdit)
    qtbot.keyClicks(goal, "Do something")
    qtbot.keyClick(goal, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # runs
    assert "Choose the folder" in find(pane, "taskError", QLabel).text()

    choose_workspace(qtbot, pane, tmp_path / "missing")
    assert "is not a folder" in find(pane, "taskError", QLabel).text()
    assert pane.workspace == ""

    doomed = folder(tmp_path, "doomed")
    choose_workspace(qtbot, pane, doomed)
    assert not has_visible(pane, "taskError")
    for child in doomed.iterdir():
        child.unlink()
    doomed.rmdir()  # gone between choosing it and pressing Run
    click(qtbot, find(pane, "runButton", QPushButton))
    error = find(pane, "taskError", QLabel).text()
    assert error.startswith("The run could not start: the workspace") and "not a folder" in error
    assert store.runs() == [] and ui.controller.running() == []
    assert find(pane, "goalInput", QPlainTextEdit).toPlainText() == "Do something"


def test_recent_workspaces_are_remembered_across_windows(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, ui: TaskUI, store: Store,
    client: ModelClient, tmp_path: Path,
) -> None:
    first, second = folder(tmp_path, "first"), folder(tmp_path, "second")
    choose_workspace(qtbot, ui.pane, first)
    choose_workspace(qtbot, ui.pane, second)
    assert ui.pane.choose_folder.asked == 2  # type: ignore[attr-defined]
    recent = (str(second.resolve()), str(first.resolve()))
    assert settings.load().recent_workspaces == recent

    with task_ui(qtbot, store, client) as fresh:
        pane = fresh.pane
        assert pane.workspace == recent[0]
        menu = pane.goal_area.recent_menu
        assert [action.data() for action in menu.actions()] == list(recent)
        menu.actions()[1].trigger()
        assert pane.workspace == recent[1]
        assert settings.load().recent_workspaces == recent[::-1]
        assert f"Workspace: {recent[1]}\n" in find(pane, "workspaceButton").toolTip()


def test_without_an_api_key_no_run_starts(
    qtbot: QtBot, qloop: object, store: Store, fake_api: FakeAPI, tmp_path: Path
) -> None:
    with task_ui(qtbot, store, ModelClient(base_url=fake_api.url)) as ui:
        pane = ui.pane
        qtbot.keyClicks(find(pane, "goalInput"), "Do something")
        choose_workspace(qtbot, pane, folder(tmp_path, "project"))
        click(qtbot, find(pane, "runButton", QPushButton))
        assert find(pane, "taskError", QLabel).text().startswith("No API key")
        assert store.runs() == [] and fake_api.requests == []
        assert find(pane, "runButton").isVisible()  # still composing, goal kept
        assert find(pane, "goalInput", QPlainTextEdit).toPlainText() == "Do something"


def test_deleting_the_run_on_screen_leaves_the_list_and_the_pane(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    fake_api.add(Turn("Nothing to do here."))
    pane, runs = ui.pane, ui.run_list
    run_id = start_run(qtbot, pane, "Look around", folder(tmp_path, "project"))
    wait_ended(qtbot, pane, run_id)
    assert pane.run_id == run_id and runs.item_for(run_id) is not None
    runs.confirm = lambda parent, title, question, then: then()  # the user says yes

    runs.confirm_delete(run_id)

    assert runs.item_for(run_id) is None and runs.count() == 0
    assert pane.run_id is None and run_id not in pane.states
    assert find(pane, "runButton").isVisible()
    assert store.runs() == []
