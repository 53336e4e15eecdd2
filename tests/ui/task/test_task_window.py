"""The task pane in the window: the Task tab, the Runs section of the sidebar, runs that go on
while the user chats, the demo model, and runs stopped when the window closes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.agent.sandbox import executor_for
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.task.pane import TaskPane
from desktop.ui.task.run_list import WAITING, RunList
from tests.processes import group_ended
from tests.ui.chat import helpers as chat_helpers
from tests.ui.conftest import OpenWindow
from tests.ui.task.helpers import (
    WAIT_MS,
    Chooser,
    card,
    click,
    find,
    rows,
    select_in_run_list,
    start_run,
    wait_ended,
    wait_for_approval,
)


def task_pane(window: object) -> TaskPane:
    pane = window.task_pane  # type: ignore[attr-defined]
    assert isinstance(pane, TaskPane)
    pane.choose_folder = Chooser()
    return pane


def test_a_run_goes_on_while_the_user_chats(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, fake_api: FakeAPI,
    store: Store, tmp_path: Path,
) -> None:
    window = open_window(client)
    pane = task_pane(window)
    assert window.tabs.widget(1) is pane and window.tabs.tabText(1) == "Task"
    run_list = window.findChild(RunList, "runList")
    assert run_list is window.run_list and window.sidebar.isAncestorOf(run_list)

    window.tabs.setCurrentWidget(pane)
    note = ToolUse("write_file", {"path": "note.txt", "content": "hello\n"})
    fake_api.add(Turn("Writing a note.", (note,)))
    run_id = start_run(qtbot, pane, "Write a note", tmp_path)
    wait_for_approval(qtbot, pane, "write_file")
    assert run_list.status_of(run_id) == WAITING

    window.tabs.setCurrentWidget(window.chat_pane)  # chat while the run waits
    fake_api.add(Turn("Chatting meanwhile."))
    chat_helpers.send_and_wait(qtbot, window, "hello")
    assert "Chatting meanwhile." in chat_helpers.screen_text(window)
    assert window.task_controller.is_running(run_id)

    select_in_run_list(qtbot, run_list, run_id)
    assert window.tabs.currentWidget() is pane and pane.run_id == run_id
    fake_api.add(Turn("Done."))
    click(qtbot, wait_for_approval(qtbot, pane, "write_file").approve_button)
    wait_ended(qtbot, pane, run_id)
    assert (tmp_path / "note.txt").read_text() == "hello\n"
    assert run_list.status_of(run_id) == "finished"
    assert store.run(run_id).status == "finished"


def test_the_demo_task_is_played_for_real_with_approvals(
    qtbot: QtBot, open_window: OpenWindow, store: Store
) -> None:
    window = open_window(ModelClient(), demo=True)
    pane = task_pane(window)
    window.tabs.setCurrentWidget(pane)
    click(qtbot, find(pane, "tryDemoButton"))
    assert pane.goal_area.goal() == "Fix the failing tests"
    workspace = Path(pane.workspace)
    assert (workspace / "calc.py").read_text().count("return a - b") == 1
    click(qtbot, find(pane, "runButton"))
    qtbot.waitUntil(lambda: pane.run_id is not None, timeout=WAIT_MS)
    run_id = pane.run_id
    panel = wait_for_approval(qtbot, pane, "edit_file", timeout=20_000)
    edit = card(pane, "edit_file")
    assert edit.body_is_diff and "+    return a + b" in edit.body.text()
    click(qtbot, panel.approve_button)
    click(qtbot, wait_for_approval(qtbot, pane, "run_command", timeout=20_000).approve_button)
    wait_ended(qtbot, pane, run_id, timeout=30_000)
    run = store.run(run_id)
    assert (run.status, run.model) == ("finished", "demo")
    assert [status for _, status in pane.plan_view.statuses()] == ["done"] * 4
    assert "return a + b" in (workspace / "calc.py").read_text()
    assert "exit code 0" in card(pane, "run_command").body.text()


def test_closing_the_window_mid_run_asks_then_stops_the_run_and_its_command(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, fake_api: FakeAPI,
    store: Store, tmp_path: Path,
) -> None:
    window = open_window(client)
    pane = task_pane(window)
    window.tabs.setCurrentWidget(pane)
    fake_api.add(Turn("", (ToolUse("run_command", {"command": "echo started; sleep 30"}),)))
    run_id = start_run(qtbot, pane, "Wait", tmp_path)
    approval = wait_for_approval(qtbot, pane, "run_command")
    where = executor_for(window.task_controller.settings).describe()
    assert approval.preview.toPlainText().endswith(f"\n# {where}")
    click(qtbot, approval.approve_button)
    qtbot.waitUntil(lambda: "started" in card(pane, "run_command").body.text(), timeout=WAIT_MS)
    pgid = next(e.data["pgid"] for e in store.events(run_id) if e.type == "CommandStarted")

    window.close()  # asks first: the run is still going
    assert window.isVisible() and window.quit_box is not None and window.quit_box.isVisible()
    window.quit_box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.isVisible() and window.task_controller.is_running(run_id)

    window.close()
    with qtbot.wait_signal(window.closed, timeout=WAIT_MS):
        window.quit_box.button(QMessageBox.StandardButton.Yes).click()
    closing = asyncio.ensure_future(window.aclose())
    qtbot.waitUntil(closing.done, timeout=WAIT_MS)
    assert store.run(run_id).status == "cancelled"
    assert group_ended(pgid)
    assert rows(pane)[-1] == "Cancelled: stopped because the app closed"
    assert store.run(run_id).error == "stopped because the app closed"


def test_the_title_and_the_highlight_follow_what_is_in_front(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, fake_api: FakeAPI,
    store: Store, tmp_path: Path,
) -> None:
    window = open_window(client)
    fake_api.add(Turn("Hello."))
    chat_helpers.send_and_wait(qtbot, window, "Plan a trip")
    pane = task_pane(window)
    window.tabs.setCurrentWidget(pane)
    assert window.windowTitle() == "New task — AgentDesk"
    fake_api.add(Turn("Looked."))
    run_id = start_run(qtbot, pane, "Look around", tmp_path)
    wait_ended(qtbot, pane, run_id)
    chats = window.sidebar.conversation_list
    assert window.windowTitle() == f"Run #{run_id}: Look around — AgentDesk"
    assert chats.currentItem() is None and window.run_list.currentItem() is not None

    window.tabs.setCurrentWidget(window.chat_pane)
    assert window.windowTitle() == "Plan a trip — AgentDesk"
    assert chats.currentItem() is not None and window.run_list.currentItem() is None
