"""A run in the task pane, driven like a user: the real SDK against the loopback API, a real
temp workspace, real files and processes. Plan, cards, approvals, Stop, budget, status line."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from desktop.core.agent.sandbox import executor_for
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.client import ModelClient, RetryPolicy
from desktop.core.store.database import Store
from desktop.ui.task.pane import TaskPane
from desktop.ui.task.plan_view import STATUS_ROLE
from desktop.ui.task.timeline.model import ToolEntry
from desktop.ui.theme import palette
from desktop.ui.theme.palette import DIFF_HUES
from tests.processes import group_alive, group_ended
from tests.ui.task.helpers import (
    WAIT_MS,
    TaskUI,
    card,
    cards,
    click,
    controller,
    find,
    has_visible,
    rows,
    start_run,
    task_ui,
    timeline,
    wait_ended,
    wait_for_approval,
    wait_status,
)

PLAN = ("Read calc.py", "Fix add()", "Check the result")
PRINT_42 = f'{sys.executable} -c "print(42)"'


def plan(*statuses: str) -> ToolUse:
    items = [{"text": t, "status": s} for t, s in zip(PLAN, statuses, strict=True)]
    return ToolUse("update_plan", {"items": items})


def edit(old: str, new: str) -> ToolUse:
    return ToolUse("edit_file", {"path": "calc.py", "old_text": old, "new_text": new})


@pytest.fixture
def ui(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    with task_ui(qtbot, store, client) as opened:
        yield opened


@pytest.fixture
def pane(ui: TaskUI) -> TaskPane:
    return ui.pane


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "test_calc.py").write_text("from calc import add\n\nassert add(2, 3) == 5\n")
    return root


def distinct_colours(image: QImage) -> int:
    step = 4
    return len({
        image.pixel(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    })


def painted_diff_colours(pane: TaskPane, entry: ToolEntry) -> set[str]:
    """Which diff line backgrounds the card shows on screen."""
    view = pane.timeline
    index = timeline(pane).index(timeline(pane).entries.index(entry))
    view.scrollTo(index)
    image = view.viewport().grab(view.visualRect(index)).toImage()
    pixels = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 3)
        for y in range(image.height())
    }
    return {
        kind for kind in DIFF_HUES
        if (shade := palette.current().diff(kind)[1]) is not None and shade.name() in pixels
    }


def preview_colour(preview: QPlainTextEdit, line: str) -> str:
    document = preview.document()
    block = next(
        document.findBlockByNumber(n) for n in range(document.blockCount())
        if document.findBlockByNumber(n).text() == line
    )
    formats = block.layout().formats()
    return formats[0].format.foreground().color().name()


def test_plan_cards_output_approve_and_deny(
    qtbot: QtBot, pane: TaskPane, fake_api: FakeAPI, store: Store, workspace: Path,
    tmp_path: Path,
) -> None:
    fake_api.add(
        Turn("I'll plan, then look around.", (plan("in_progress", "pending", "pending"),
                                              ToolUse("list_files", {}))),
        Turn("Reading the code.", (plan("done", "in_progress", "pending"),
                                   ToolUse("read_file", {"path": "calc.py"}))),
        Turn("add() subtracts; fixing it.", (edit("a - b", "a + b"),)),
        Turn("Checking.", (plan("done", "done", "in_progress"),
                           ToolUse("run_command", {"command": PRINT_42}))),
        Turn("One more change.", (edit("a + b", "a * b"),)),
        Turn("Understood, keeping addition.", (plan("done", "done", "done"),)),
        Turn("Fixed add(): it adds now."),
    )
    calc = workspace / "calc.py"
    run_id = start_run(qtbot, pane, "Fix add() in calc.py", workspace)
    seen_plans: list[list[tuple[str, str]]] = []
    assert pane.shown is not None
    pane.shown.planChanged.connect(lambda: seen_plans.append(pane.plan_view.statuses()))

    panel = wait_for_approval(qtbot, pane, "edit_file")
    preview = find(panel, "approvalPreview", QPlainTextEdit)
    assert "-    return a - b\n+    return a + b" in preview.toPlainText()
    colours = palette.current()
    assert preview_colour(preview, "-    return a - b") == colours.diff("removed")[0].name()
    assert preview_colour(preview, "+    return a + b") == colours.diff("added")[0].name()
    assert calc.read_text() == "def add(a, b):\n    return a - b\n"  # nothing written yet
    current = pane.plan_view.item(1)
    assert (current.data(STATUS_ROLE), current.font().bold()) == ("in_progress", True)
    assert not pane.plan_view.item(0).font().bold()
    shot = tmp_path / "task-pane-mid-run.png"
    assert pane.grab().save(str(shot))
    image = QImage(str(shot))
    assert image.width() > 600 and distinct_colours(image) > 30

    click(qtbot, panel.approve_button)
    qtbot.waitUntil(lambda: calc.read_text() == "def add(a, b):\n    return a + b\n",
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: card(pane, "edit_file").status == "ok", timeout=WAIT_MS)
    edited = card(pane, "edit_file")
    assert edited.body_is_diff
    assert "-    return a - b\n+    return a + b" in edited.body.text()
    assert painted_diff_colours(pane, edited) == {"added", "removed", "hunk"}

    panel = wait_for_approval(qtbot, pane, "run_command")
    where = executor_for(controller(pane).settings).describe()
    assert find(panel, "approvalPreview", QPlainTextEdit).toPlainText() == (
        f"$ {PRINT_42}\n# {where}"
    )
    click(qtbot, panel.approve_button)
    qtbot.waitUntil(lambda: card(pane, "run_command").status == "ok", timeout=WAIT_MS)
    assert card(pane, "run_command").body.text() == "42\n[exit code 0]"

    panel = wait_for_approval(qtbot, pane, "edit_file")
    qtbot.keyClicks(find(panel, "denyReasonInput"), "addition is what we want")
    click(qtbot, find(panel, "denyButton", QPushButton))
    wait_ended(qtbot, pane, run_id)

    assert calc.read_text() == "def add(a, b):\n    return a + b\n"  # the denied edit: untouched
    sent = [
        block
        for message in fake_api.requests[-1]["body"]["messages"]
        if isinstance(message["content"], list)
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]
    assert {
        "type": "tool_result", "tool_use_id": card(pane, "edit_file", 1).call_id, "is_error": True,
        "content": "the user denied this edit_file call: addition is what we want",
    } in sent
    denied = card(pane, "edit_file", 1)
    assert (denied.status, denied.note) == ("denied", "Denied: addition is what we want")
    assert "+    return a * b" in denied.body.text()  # the diff it would have written

    assert seen_plans == [
        [(PLAN[0], "in_progress"), (PLAN[1], "pending"), (PLAN[2], "pending")],
        [(PLAN[0], "done"), (PLAN[1], "in_progress"), (PLAN[2], "pending")],
        [(PLAN[0], "done"), (PLAN[1], "done"), (PLAN[2], "in_progress")],
        [(PLAN[0], "done"), (PLAN[1], "done"), (PLAN[2], "done")],
    ]
    assert find(pane, "planHeader", QLabel).text() == "PLAN · 3 of 3 done"
    assert [c.name for c in cards(pane)] == [
        "update_plan", "list_files", "update_plan", "read_file", "edit_file",
        "update_plan", "run_command", "edit_file", "update_plan",
    ]
    assert card(pane, "list_files").body.text() == "calc.py\ntest_calc.py"
    assert "     2\t    return a - b" in card(pane, "read_file").body.text()
    shown = rows(pane)
    assert shown[0] == "I'll plan, then look around."
    assert "edit_file calc.py — ok · " in shown[shown.index("add() subtracts; fixing it.") + 1]
    assert shown[-2:] == ["Fixed add(): it adds now.", "Finished: 7 steps"]
    assert store.run(run_id).status == "finished"
    kinds = [e.type for e in store.events(run_id)]
    assert kinds.count("ApprovalNeeded") == kinds.count("ApprovalResolved") == 3
    assert not has_visible(pane, "approveButton")
    assert not has_visible(pane, "stopButton")
    assert find(pane, "runBadge", QLabel).accessibleDescription() == "Finished"


def test_stop_during_a_long_command_cancels_within_a_second_and_kills_it(
    qtbot: QtBot, pane: TaskPane, fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    fake_api.add(Turn("Waiting.", (ToolUse("run_command", {"command": "echo $$; sleep 30"}),)))
    run_id = start_run(qtbot, pane, "Wait for half a minute", workspace)
    click(qtbot, wait_for_approval(qtbot, pane, "run_command").approve_button)
    qtbot.waitUntil(lambda: card(pane, "run_command").body.text().strip().isdigit(),
                    timeout=WAIT_MS)
    pgid = next(e.data["pgid"] for e in store.events(run_id) if e.type == "CommandStarted")
    assert group_alive(pgid)

    stopped_at = time.monotonic()
    click(qtbot, find(pane, "stopButton", QPushButton))
    wait_status(qtbot, store, run_id, "cancelled", timeout=1000)
    assert time.monotonic() - stopped_at < 1.0
    assert group_ended(pgid)
    wait_ended(qtbot, pane, run_id)
    assert card(pane, "run_command").status == "stopped"
    assert rows(pane)[-1] == "Cancelled: stopped by the user"
    assert find(pane, "runBadge", QLabel).accessibleDescription() == "Cancelled"
    assert not has_visible(pane, "stopButton")
    assert find(pane, "newTaskButton").isVisible()
    assert store.events(run_id)[-1].type == "RunCancelled"


def test_a_budget_of_two_steps_ends_the_run_as_budget_exhausted(
    qtbot: QtBot, pane: TaskPane, fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    look = Turn("Looking again.", (ToolUse("list_files", {}),))
    fake_api.add(look, look, look)
    steps = find(pane, "maxStepsInput", QSpinBox)
    steps.selectAll()
    qtbot.keyClicks(steps, "2")
    assert steps.value() == 2

    run_id = start_run(qtbot, pane, "Look around forever", workspace)
    wait_ended(qtbot, pane, run_id)

    assert store.run(run_id).status == "budget_exhausted"
    assert len(fake_api.requests) == 2
    assert rows(pane)[-1] == "Budget exhausted: max steps (2)"
    assert find(pane, "runBadge", QLabel).accessibleDescription() == "Budget exhausted"
    assert find(pane, "runStatus", QLabel).text().startswith("step 2 / 2 · ")
    assert find(pane, "budgetSummary", QLabel).text() == "2 steps · $5.00 · 60 min"


def test_status_line_counts_and_shows_the_retry_notice(
    qtbot: QtBot, qloop: object, store: Store, fake_api: FakeAPI, workspace: Path
) -> None:
    slow_retry = ModelClient(
        api_key="test", base_url=fake_api.url,
        retry=RetryPolicy(attempts=2, base_delay_s=1.5, max_delay_s=1.5),
    )
    fake_api.add(Turn(status=529), Turn("Nothing to do.", input_tokens=12_300, output_tokens=1_100))
    with task_ui(qtbot, store, slow_retry) as ui:
        pane = ui.pane
        run_id = start_run(qtbot, pane, "Check nothing", workspace)
        notice = pane.status_line.retry_notice
        status = find(pane, "runStatus", QLabel)
        qtbot.waitUntil(lambda: notice.isVisible(), timeout=WAIT_MS)
        assert "overloaded" in notice.text().lower()
        assert "retrying in 1.5 s (attempt 1)" in notice.text()
        assert status.text().startswith("step 1 / 30 · 0 in / 0 out · 0:0")
        # Nothing arrives while the client waits, yet the elapsed time moves on.
        qtbot.waitUntil(lambda: status.text().endswith("0:01"), timeout=WAIT_MS)
        assert notice.isVisible()
        wait_ended(qtbot, pane, run_id)
        assert not notice.isVisible()
        assert status.text().startswith("step 1 / 30 · 12.3k in / 1.1k out · $0.05 · 0:0")


def test_the_view_follows_new_events_unless_scrolled_up(
    qtbot: QtBot, pane: TaskPane, fake_api: FakeAPI, workspace: Path
) -> None:
    many_looks = tuple(ToolUse("list_files", {}) for _ in range(8))
    fake_api.add(
        Turn("Looking around.", many_looks),
        Turn("Now a command.", (ToolUse("run_command", {"command": "echo hi"}),)),
        Turn("Looking once more.", many_looks),
        Turn("Done."),
    )
    pane.resize(1000, 520)
    run_id = start_run(qtbot, pane, "Look around a lot", workspace)
    panel = wait_for_approval(qtbot, pane, "run_command")
    bar = pane.timeline.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=WAIT_MS)
    assert pane.timeline.viewport().rect().intersects(panel.geometry())  # the question is shown

    bar.setValue(0)  # the user scrolls up to read
    height_then = bar.maximum()
    click(qtbot, panel.approve_button)
    wait_ended(qtbot, pane, run_id)
    qtbot.waitUntil(lambda: bar.maximum() > height_then, timeout=WAIT_MS)
    assert bar.value() == 0

    bar.setValue(bar.maximum())  # back at the bottom: following again
    assert pane.timeline.following


def test_alt_a_approves_and_alt_d_denies_from_the_keyboard(
    qtbot: QtBot, pane: TaskPane, fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    write = ToolUse("write_file", {"path": "a.txt", "content": "a\n"})
    other = ToolUse("write_file", {"path": "b.txt", "content": "b\n"})
    fake_api.add(Turn("Two files.", (write,)), Turn("And another.", (other,)), Turn("Done."))
    run_id = start_run(qtbot, pane, "Write two files", workspace)
    with qtbot.waitActive(pane):  # shortcuts reach the active window only
        pane.activateWindow()
    panel = wait_for_approval(qtbot, pane, "write_file")
    qtbot.keyClick(panel, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: (workspace / "a.txt").exists(), timeout=WAIT_MS)
    panel = wait_for_approval(qtbot, pane, "write_file")
    qtbot.keyClick(panel, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    wait_ended(qtbot, pane, run_id)
    assert not (workspace / "b.txt").exists()
    answers = [e.data["allow"] for e in store.events(run_id) if e.type == "ApprovalResolved"]
    assert answers == [True, False]
