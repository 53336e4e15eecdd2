"""What a user does and sees in the task pane, for the tests.

`task_ui` builds the pane as the window does (controller on the test's store and loopback
client, pane and run list connected by the task feature's own `wire`) and, on
teardown, stops the runs still going so they are stored before the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.task.approval_panel import ApprovalPanel
from desktop.ui.task.controller import TaskController
from desktop.ui.task.pane import TaskPane
from desktop.ui.task.run_list import RunList
from desktop.ui.task.timeline.model import BODY_ROLE, TimelineModel, ToolEntry
from desktop.ui.task.wiring import wire

WAIT_MS = 5000
W = TypeVar("W", bound=QWidget)


class Chooser:
    """Stands in for the folder dialog: answers with `folder`, and counts the questions."""

    def __init__(self) -> None:
        self.folder = ""
        self.asked = 0

    def __call__(self, parent: QWidget, start: str) -> str:
        self.asked += 1
        return self.folder


@dataclass
class TaskUI:
    pane: TaskPane
    run_list: RunList
    controller: TaskController


@contextlib.contextmanager
def task_ui(qtbot: QtBot, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    """A shown, attached pane and its run list; runs still going are stopped on exit."""
    controller = TaskController(store, client)
    pane = TaskPane(choose_folder=Chooser())
    run_list = RunList()
    wire(controller, pane, run_list)
    qtbot.addWidget(pane)
    qtbot.addWidget(run_list)
    pane.resize(1100, 760)
    pane.show()
    run_list.show()
    try:
        yield TaskUI(pane, run_list, controller)
    finally:
        closing = asyncio.ensure_future(controller.aclose())
        qtbot.waitUntil(closing.done, timeout=WAIT_MS)


def controller(pane: TaskPane) -> TaskController:
    assert pane.controller is not None
    return pane.controller


def find(pane: QWidget, name: str, kind: type[W] = QWidget) -> W:  # type: ignore[assignment]
    """The visible widget called `name` (an answered approval panel may linger, hidden)."""
    found = [w for w in pane.findChildren(kind, name) if w.isVisible()]
    assert len(found) == 1, f"{len(found)} visible widgets named {name!r}"
    assert found[0].accessibleName() == name
    return found[0]


def has_visible(pane: QWidget, name: str) -> bool:
    return any(w.isVisible() for w in pane.findChildren(QWidget, name))


def click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def choose_workspace(qtbot: QtBot, pane: TaskPane, folder: Path | str) -> None:
    """Click the workspace button and pick `folder` in the (stand-in) dialog."""
    chooser = pane.choose_folder
    assert isinstance(chooser, Chooser)
    chooser.folder = str(folder)
    click(qtbot, find(pane, "workspaceButton"))


def start_run(qtbot: QtBot, pane: TaskPane, goal: str, folder: Path) -> int:
    """Type the goal, choose the folder, press Run; the new run's id."""
    qtbot.keyClicks(find(pane, "goalInput"), goal)
    choose_workspace(qtbot, pane, folder)
    before = set(controller(pane).running())
    click(qtbot, find(pane, "runButton", QPushButton))
    qtbot.waitUntil(lambda: pane.run_id is not None and pane.run_id not in before,
                    timeout=WAIT_MS)
    assert pane.run_id is not None and controller(pane).is_running(pane.run_id)
    return pane.run_id


def select_in_run_list(qtbot: QtBot, run_list: RunList, run_id: int) -> None:
    """Click the run's row, as the user does in the sidebar."""
    item = run_list.item_for(run_id)
    assert item is not None
    rect = run_list.visualItemRect(item)
    qtbot.mouseClick(run_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def wait_status(qtbot: QtBot, store: Store, run_id: int, status: str, timeout: int = WAIT_MS,
                ) -> None:
    qtbot.waitUntil(lambda: store.run(run_id).status == status, timeout=timeout)


def wait_ended(qtbot: QtBot, pane: TaskPane, run_id: int, timeout: int = WAIT_MS) -> None:
    """Until the run has ended and the pane has heard so."""
    qtbot.waitUntil(lambda: not controller(pane).is_running(run_id), timeout=timeout)


def wait_for_approval(
    qtbot: QtBot, pane: TaskPane, tool: str, timeout: int = WAIT_MS
) -> ApprovalPanel:
    """Until the approval buttons for a `tool` call are on screen; its panel."""

    def asking() -> None:
        panel = find(pane, "approvalPanel", ApprovalPanel)
        assert panel.approve_button.isEnabled()
        assert find(panel, "approvalTitle").text() == tool

    qtbot.waitUntil(asking, timeout=timeout)
    return find(pane, "approvalPanel", ApprovalPanel)


def timeline(pane: TaskPane) -> TimelineModel:
    model = pane.timeline.model()
    assert isinstance(model, TimelineModel)
    return model


def rows(pane: TaskPane) -> list[str]:
    """What each timeline row says (its accessible text), top to bottom."""
    model = timeline(pane)
    return [model.index(row).data() for row in range(model.rowCount())]


def cards(pane: TaskPane) -> list[ToolEntry]:
    return timeline(pane).tool_entries()


def card(pane: TaskPane, name: str, number: int = 0) -> ToolEntry:
    """The `number`th card of a `name` call."""
    return [c for c in cards(pane) if c.name == name][number]


def bodies(pane: TaskPane) -> list[Any]:
    model = timeline(pane)
    return [model.index(row).data(BODY_ROLE) for row in range(model.rowCount())]
