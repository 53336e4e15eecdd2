"""A past run, read-only: replay it event by event (plan, files and totals as they were), fork
it from any step, compare it, export and import it; and a chat promoted to a task."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.client import ModelClient
from desktop.core.review.archive import conversation_text, run_text
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.task.run_list import DETAIL_ROLE
from tests.ui.chat.helpers import message_requests
from tests.ui.conftest import OpenWindow
from tests.ui.review.helpers import recorded_run
from tests.ui.task.helpers import (
    WAIT_MS,
    TaskUI,
    click,
    find,
    rows,
    select_in_run_list,
    start_run,
    task_ui,
    timeline,
    wait_ended,
)


@pytest.fixture
def ui(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    with task_ui(qtbot, store, client) as opened:
        yield opened


def test_replay_shows_the_plan_files_and_totals_as_they_were_at_each_step(
    qtbot: QtBot, ui: TaskUI, store: Store
) -> None:
    run_id = recorded_run(store)
    ui.run_list.reload()
    select_in_run_list(qtbot, ui.run_list, run_id)
    pane = ui.pane
    slider = find(pane, "replaySlider")
    assert (slider.maximum(), slider.value()) == (28, 28)
    finished = rows(pane)
    assert finished[-1].startswith("Finished")

    slider.setValue(6)  # step 1's plan has just been set
    assert pane.plan_view.statuses() == [
        ("Read the notes", "in_progress"), ("Tidy them", "pending")]
    assert find(pane, "runStatus").text().startswith("step 1 · 1.0k in / 100 out · $0.01")
    assert find(pane, "runBadge").accessibleDescription() == "Replay"
    assert find(pane, "replayPosition").text() == "Event 6 of 28 · step 1"

    slider.setValue(17)  # step 2's write has finished
    assert pane.plan_view.statuses() == [("Read the notes", "done"), ("Tidy them", "in_progress")]
    assert find(pane, "filesButton").text() == "Files touched: notes.md"
    assert not any(row.startswith("Finished") for row in rows(pane))
    assert rows(pane)[-1].startswith("write_file notes.md — ok")
    assert "step 2 · 2.0k in" in find(pane, "runStatus").text()

    click(qtbot, find(pane, "replayBack"))  # the write is under way: not touched yet
    assert slider.value() == 16 and find(pane, "filesButton").text() == "No files touched"
    assert rows(pane)[-1].startswith("write_file notes.md — running")
    pane.timeline.setFocus()
    qtbot.keyClick(pane.timeline, Qt.Key.Key_Right)
    qtbot.keyClick(pane.timeline, Qt.Key.Key_Right)
    assert slider.value() == 18
    slider.setValue(25)
    assert pane.plan_view.statuses() == [("Read the notes", "done"), ("Tidy them", "done")]
    assert find(pane, "filesButton").text() == "Files touched: notes.md, todo.md"

    click(qtbot, find(pane, "replayForward"))
    slider.setValue(28)
    assert rows(pane) == finished and pane.shown is pane.states[run_id]
    assert not find(pane, "replayForward").isEnabled()
    assert find(pane, "goalInput").isReadOnly()  # a past run is read-only


def test_a_fork_from_step_one_replays_it_to_the_model_and_goes_on(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    plan = [{"text": "Read calc.py", "status": "in_progress"}]
    fake_api.add(
        Turn("Planning.", (ToolUse("update_plan", {"items": plan}),
                           ToolUse("read_file", {"path": "calc.py"}))),
        Turn("Listing.", (ToolUse("list_files", {}),)),
        Turn("Done."),
    )
    pane = ui.pane
    parent = start_run(qtbot, pane, "look at calc", tmp_path)
    wait_ended(qtbot, pane, parent)
    qtbot.waitUntil(lambda: find(pane, "forkButton").isVisible(), timeout=WAIT_MS)
    step_two = next(e.seq for e in store.events(parent) if e.data.get("step") == 2)
    k = step_two - 1  # the last event of step 1
    find(pane, "replaySlider").setValue(k)

    asked: list[tuple[str, str]] = []
    pane.ask_instruction = lambda _parent, explanation, default: (
        asked.append((explanation, default)) or "Count the lines of calc.py")
    fake_api.add(Turn("Counting.", (ToolUse("read_file", {"path": "calc.py"}),)),
                 Turn("Two lines."))
    click(qtbot, find(pane, "forkButton", QPushButton))
    assert asked == [(asked[0][0], "look at calc")] and f"event {k} (step 1)" in asked[0][0]
    qtbot.waitUntil(lambda: pane.run_id not in (None, parent), timeout=WAIT_MS)
    fork = pane.run_id
    wait_ended(qtbot, pane, fork)

    sent = [r["body"]["messages"] for r in message_requests(fake_api)]
    assert len(sent) == 5
    after_step_one, fork_first = sent[1], sent[3]
    assert fork_first[:-1] == after_step_one[:-1]
    assert fork_first[-1]["content"] == [
        *after_step_one[-1]["content"], {"type": "text", "text": "Count the lines of calc.py"}]
    assert len(sent[4]) == len(fork_first) + 2  # and it went on from there
    row = store.run(fork)
    assert (row.status, row.parent_run_id, row.fork_seq) == ("finished", parent, k)
    detail = ui.run_list.item_for(fork).data(DETAIL_ROLE)
    assert f"↳ fork of #{parent} at event {k}" in detail
    note = timeline(pane).entries[0]
    assert note.label == f"Forked from run #{parent} at event {k}"
    assert f"run #{parent}'s conversation" in note.text


def test_compare_shows_both_runs_side_by_side(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    recorded_run(store)
    second = recorded_run(store, goal="tidy the notes again")
    store.update_run(second, steps=2, cost_usd=0.5, input_tokens=12_300, output_tokens=900)
    window = open_window(client)
    select_in_run_list(qtbot, window.run_list, second)
    click(qtbot, find(window.task_pane, "compareButton", QPushButton))
    dialog = window.review_flow.compare_dialog
    assert dialog is not None and dialog.isVisible()
    newer, older = dialog.column(0), dialog.column(1)
    assert newer[:4] == ["tidy the notes again", "finished: All tidy.", "2",
                         "update_plan ×3, run_command ×1, write_file ×1, edit_file ×1"]
    assert (newer[4], newer[5]) == ("12.3k / 900", "$0.50")
    assert (older[0], older[2], older[4], older[5]) == ("tidy the notes", "4", "3.0k / 300",
                                                         "$0.03")
    assert newer[7] == older[7] == "notes.md\ntodo.md"
    dialog.right.setCurrentIndex(dialog.right.findData(second))
    assert dialog.column(1) == newer


def export_to(window: MainWindow, path: Path) -> None:
    window.review_flow.choose_save_path = lambda parent, title, name: str(path)


def test_export_then_import_a_run_gives_the_same_json(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store, tmp_path: Path
) -> None:
    run_id = recorded_run(store)
    window = open_window(client)
    select_in_run_list(qtbot, window.run_list, run_id)
    export_to(window, tmp_path / "run.md")
    click(qtbot, find(window.task_pane, "exportButton", QPushButton))
    markdown = (tmp_path / "run.md").read_text()
    assert markdown.startswith(f"# Run {run_id}: tidy the notes")
    assert "```console\n$ grep -rn TODO .\n```" in markdown
    export_to(window, tmp_path / "run.json")
    click(qtbot, find(window.task_pane, "exportButton", QPushButton))
    exported = (tmp_path / "run.json").read_text()
    assert exported == run_text(store, run_id, "json")

    window.review_flow.choose_open_path = lambda parent, title: str(tmp_path / "run.json")
    qtbot.mouseClick(window.sidebar.search_panel.import_button, Qt.MouseButton.LeftButton)
    imported = store.runs()[0].id
    assert imported != run_id and window.task_pane.run_id == imported
    assert run_text(store, imported, "json") == exported
    assert window.statusBar().currentMessage().startswith("Imported the run")


def test_export_then_import_a_chat_keeps_every_branch(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store, tmp_path: Path
) -> None:
    chat = store.create_conversation("Branches")
    first = store.add_message(chat.id, "user", "First try")
    store.add_message(chat.id, "assistant", "Answer one", parent_id=first.id)
    second = store.add_message(chat.id, "user", "Second try")
    store.add_message(chat.id, "assistant", "Answer two", parent_id=second.id)
    window = open_window(client)
    window.controller.open_conversation(chat.id)
    export_to(window, tmp_path / "chat.json")
    click(qtbot, window.chat_pane.actions.export_button)
    exported = (tmp_path / "chat.json").read_text()
    assert [m["text"] for m in json.loads(exported)["messages"]] == [
        "First try", "Answer one", "Second try", "Answer two"]

    window.review_flow.choose_open_path = lambda parent, title: str(tmp_path / "chat.json")
    qtbot.mouseClick(window.sidebar.search_panel.import_button, Qt.MouseButton.LeftButton)
    copy = window.controller.conversation_id
    assert copy != chat.id and window.tabs.currentWidget() is window.chat_pane
    assert conversation_text(store, copy, "json") == exported


def test_promote_to_task_carries_the_chat_into_the_goal(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    chat = store.create_conversation("Flaky test")
    question = store.add_message(chat.id, "user", "Why does test_upload fail on CI only?")
    store.add_message(chat.id, "assistant", "It depends on the timezone:\n\n```python\n"
                      "def stamp():\n    return datetime.now()\n```", parent_id=question.id)
    store.add_message(chat.id, "user", "Fix it so it passes everywhere", parent_id=question.id + 1)
    window = open_window(client)
    assert not window.chat_pane.actions.isVisible()  # nothing to promote in a new chat
    window.controller.open_conversation(chat.id)
    click(qtbot, window.chat_pane.actions.promote_button)

    assert window.tabs.currentWidget() is window.task_pane
    goal = find(window.task_pane, "goalInput")
    text = goal.toPlainText()
    assert "You: Why does test_upload fail on CI only?" in text
    assert "Assistant: It depends on the timezone:" in text
    assert "```python\ndef stamp():\n    return datetime.now()\n```" in text  # code stays code
    assert text.endswith("Goal: Fix it so it passes everywhere")
    assert not goal.isReadOnly() and find(window.task_pane, "runButton").isVisible()


def test_what_the_model_sees_at_a_replayed_event(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    fake_api.add(Turn("Reading.", (ToolUse("read_file", {"path": "calc.py"}),)),
                 Turn("It subtracts."))
    pane = ui.pane
    run_id = start_run(qtbot, pane, "look at calc", tmp_path)
    wait_ended(qtbot, pane, run_id)
    qtbot.waitUntil(lambda: find(pane, "sentButton").isVisible(), timeout=WAIT_MS)
    shown: list[tuple[str, str]] = []
    pane.replay_actions.show_text = lambda _parent, title, text: shown.append((title, text))
    step_two = next(e.seq for e in store.events(run_id) if e.data.get("step") == 2)
    find(pane, "replaySlider").setValue(step_two)
    click(qtbot, find(pane, "sentButton", QPushButton))
    [(title, text)] = shown
    assert title == f"Run #{run_id} at event {step_two}: what the model sees"
    assert text.startswith("── user ──\nlook at calc\n")
    assert '[read_file call' in text and "return a - b" in text
    assert "It subtracts." not in text  # step 2's reply came after this point


def test_the_text_viewer_shows_read_only_text(qtbot: QtBot, ui: TaskUI) -> None:
    from PySide6.QtWidgets import QDialog, QPlainTextEdit

    from desktop.ui.widgets import dialogs

    dialogs.show_text(ui.pane, "What the model sees", "── user ──\nhello")
    [viewer] = [d for d in ui.pane.findChildren(QDialog, "textViewer") if d.isVisible()]
    text = viewer.findChild(QPlainTextEdit, "textViewerText")
    assert viewer.windowTitle() == "What the model sees"
    assert text.isReadOnly() and text.toPlainText() == "── user ──\nhello"
    viewer.close()


def test_stepping_walks_over_streamed_pieces_and_a_click_on_the_track_jumps_there(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("notes\n")
    fake_api.add(Turn("Reading the notes now, slowly and in many small pieces.",
                      (ToolUse("read_file", {"path": "notes.txt"}),), chunk_chars=2,
                      tokens_per_s=50),
                 Turn("Done."))
    pane = ui.pane
    run_id = start_run(qtbot, pane, "read", tmp_path)
    wait_ended(qtbot, pane, run_id)
    qtbot.waitUntil(lambda: find(pane, "replaySlider").isVisible(), timeout=WAIT_MS)
    kinds = [e.type for e in store.events(run_id)]
    assert kinds.count("TextDelta") > 10  # many pieces were streamed (and stored)
    slider = find(pane, "replaySlider")
    slider.setValue(0)
    seen = []
    while slider.value() < slider.maximum():
        click(qtbot, find(pane, "replayForward", QToolButton))
        seen.append(kinds[slider.value() - 1])
    assert len(seen) < len(kinds) - 10  # the pieces of one text were one step
    assert seen.count("TextDelta") <= 2 and "AgentMessage" in seen

    groove = slider.rect()
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(groove.width() // 2,
                                                                  groove.height() // 2))
    assert abs(slider.value() - slider.maximum() / 2) <= slider.maximum() / 5  # not one page
