"""`runList`: agent runs in the sidebar, newest first, each with its status badge.

Each row shows the goal and, under it, a coloured badge (running, finished, failed,
cancelled, interrupted, budget) with the workspace's folder name and when the run started. A
run waiting for approval says "needs approval", so a run in the background does not wait
unnoticed. It reloads from its source whenever a run starts or ends, keeping the selection.
Runs are grouped by the day they started and read a page at a time (`ListPager`), and a
fork names its parent ("↳ fork of #12 at event 37"). The context menu exports, compares or
deletes (after `confirm`, which tests replace). PySide6 only: the window creates it before
the core is loaded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.ui.theme.palette import current
from desktop.ui.widgets import dialogs
from desktop.ui.widgets.day_groups import (
    HEADER_HEIGHT,
    has_heading,
    local_day,
    mark_days,
    paint_heading,
)
from desktop.ui.widgets.list_pager import ListPager
from desktop.ui.widgets.rich_text import plain_tip

if TYPE_CHECKING:
    from desktop.core.store.database import Run

ID_ROLE = Qt.ItemDataRole.UserRole
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 2
STORED_STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
WAITING = "waiting"
"""Shown instead of "running" while the run waits for the user's approval."""
ROW_HEIGHT = 46
BADGES: dict[str, tuple[str, str]] = {
    # status: (badge text, colour)
    "running": ("running", "#2563eb"),
    WAITING: ("needs approval", "#b45309"),
    "finished": ("finished", "#15803d"),
    "failed": ("failed", "#b42318"),
    "cancelled": ("cancelled", "#71717a"),
    "interrupted": ("interrupted", "#71717a"),
    "budget_exhausted": ("budget", "#b45309"),
}
SHEET = "#runList { background: transparent; border: none; outline: none; }"


class RunSource(Protocol):
    """Where the list reads runs from: the task controller."""

    def runs(self, limit: int | None = None) -> list[Run]: ...


def started(stamp: str) -> str:
    """14:03 (the day is the group's heading)."""
    return datetime.fromisoformat(stamp).astimezone().strftime("%H:%M")


def lineage(run: Run) -> str:
    """How a fork came about, for its row: "↳ fork of #12 at event 37"; '' for other runs."""
    if run.parent_run_id is None:
        return ""
    return f"↳ fork of #{run.parent_run_id} at event {run.fork_seq}"


class RunItemDelegate(QStyledItemDelegate):
    """Paints a run: goal on the first line; badge, folder and start time on the second."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        heading = HEADER_HEIGHT + 2 if has_heading(index) else 0
        return QSize(option.rect.width(), ROW_HEIGHT + heading)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = paint_heading(painter, option, index).adjusted(0, 1, 0, -1)
        state = option.state
        if state & QStyle.StateFlag.State_Selected:
            background = current().colour("list_selected")
        elif state & QStyle.StateFlag.State_MouseOver:
            background = current().colour("list_hover")
        else:
            background = None
        if background is not None:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(rect, 8, 8)
        text_rect = rect.adjusted(8, 5, -8, -5)
        font = QFont(option.font)
        painter.setFont(font)
        painter.setPen(current().colour("text"))
        goal = QFontMetrics(font).elidedText(
            index.data(), Qt.TextElideMode.ElideRight, text_rect.width()
        )
        line = QFontMetrics(font).lineSpacing()
        painter.drawText(QRect(text_rect.left(), text_rect.top(), text_rect.width(), line),
                         Qt.AlignmentFlag.AlignVCenter, goal)
        self._paint_badge(painter, index, text_rect, line)
        painter.restore()

    def _paint_badge(
        self, painter: QPainter, index: QModelIndex | QPersistentModelIndex, rect: QRect,
        line: int,
    ) -> None:
        small = QFont(painter.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        metrics = QFontMetrics(small)
        word, colour = BADGES.get(index.data(STATUS_ROLE), (index.data(STATUS_ROLE), "#71717a"))
        top = rect.top() + line + 3
        height = metrics.height() + 2
        badge = QRect(rect.left(), top, metrics.horizontalAdvance(word) + 12, height)
        tint = QColor(colour)
        tint.setAlpha(28)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawRoundedRect(badge, height / 2, height / 2)
        painter.setFont(small)
        painter.setPen(QColor(colour))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, word)
        detail_rect = QRect(badge.right() + 8, top, rect.right() - badge.right() - 8, height)
        detail = metrics.elidedText(index.data(DETAIL_ROLE), Qt.TextElideMode.ElideRight,
                                    detail_rect.width())
        painter.setPen(current().colour("muted"))
        painter.drawText(detail_rect, Qt.AlignmentFlag.AlignVCenter, detail)


class RunList(QListWidget):
    """The runs; selecting one emits `runSelected` (the pane shows it)."""

    runSelected = Signal(int)
    exportRequested = Signal(int)
    compareRequested = Signal(int)
    deleteRequested = Signal(int)
    """The user confirmed deleting this run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runList")
        self.setAccessibleName("runList")
        self.setAccessibleDescription("Agent runs, newest first")
        self.setStyleSheet(SHEET)
        self.setItemDelegate(RunItemDelegate(self))
        self.setUniformItemSizes(False)  # a day's first run carries the day's heading
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.confirm: dialogs.Confirm = dialogs.confirm
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._source: RunSource | None = None
        self._waiting: set[int] = set()
        self.pager = ListPager(self, self.on_more)
        self.currentItemChanged.connect(self.on_current_item_changed)
        self.customContextMenuRequested.connect(self.on_context_menu)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.on_delete_key)

    def set_source(self, source: RunSource) -> None:
        self._source = source
        self.reload()

    def reload(self) -> None:
        """Refill from the source, keeping the selected run, without emitting `runSelected`."""
        if self._source is None:
            return
        current = self.current_run()
        self.blockSignals(True)
        self.clear()
        self._add(self._source.runs(self.pager.wanted))
        self.blockSignals(False)
        self.select_run(current)

    def on_more(self) -> None:
        """Add the next page under the rows shown, so the scroll position stays."""
        if self._source is None:
            return
        runs = self._source.runs(self.pager.wanted)
        shown = self.count()
        if [r.id for r in runs[:shown]] != [self.item(row).data(ID_ROLE) for row in range(shown)]:
            self.reload()  # the list changed under us
            return
        self.blockSignals(True)
        self._add(runs[shown:], local_day(runs[shown - 1].created_at) if shown else None)
        self.blockSignals(False)

    def _add(self, runs: list[Run], previous: date | None = None) -> None:
        items = [(self._item(run), run.created_at) for run in runs]
        mark_days(items, previous)
        for item, _ in items:
            self.addItem(item)

    def on_runs_changed(self, *_args: object) -> None:
        self.reload()

    def on_approval_changed(self, run_id: int, waiting: bool) -> None:
        if waiting:
            self._waiting.add(run_id)
        else:
            self._waiting.discard(run_id)
        item = self.item_for(run_id)
        if item is not None:
            self._set_status(item, run_id, item.data(STORED_STATUS_ROLE))

    def current_run(self) -> int | None:
        item = self.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def select_run(self, run_id: int | None) -> None:
        """Show `run_id` as selected (None: no run) without it counting as the user's choice."""
        self.blockSignals(True)
        item = self.item_for(run_id) if run_id is not None else None
        if item is None:
            self.clearSelection()
            self.setCurrentItem(None)
        else:
            self.setCurrentItem(item)
        self.blockSignals(False)
        self.viewport().update()

    def item_for(self, run_id: int) -> QListWidgetItem | None:
        for row in range(self.count()):
            if self.item(row).data(ID_ROLE) == run_id:
                return self.item(row)
        return None

    def status_of(self, run_id: int) -> str | None:
        """The status the badge shows (WAITING while the run waits for approval)."""
        item = self.item_for(run_id)
        return item.data(STATUS_ROLE) if item is not None else None

    def on_current_item_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.runSelected.emit(item.data(ID_ROLE))

    def on_context_menu(self, position: QPoint) -> None:
        item = self.itemAt(position)
        if item is None:
            return
        run_id = item.data(ID_ROLE)
        menu = QMenu(self)
        menu.addAction("Export…", lambda: self.exportRequested.emit(run_id))
        menu.addAction("Compare with…", lambda: self.compareRequested.emit(run_id))
        menu.addSeparator()
        menu.addAction("Delete…", lambda: self.confirm_delete(run_id))
        menu.popup(self.viewport().mapToGlobal(position))

    def on_delete_key(self) -> None:
        run_id = self.current_run()
        if run_id is not None:
            self.confirm_delete(run_id)

    def confirm_delete(self, run_id: int) -> None:
        item = self.item_for(run_id)
        goal = item.text() if item is not None else f"run {run_id}"
        question = f"Delete “{goal}” and everything it recorded? This cannot be undone."
        self.confirm(self, "Delete run", question, lambda: self.deleteRequested.emit(run_id))

    def _item(self, run: Run) -> QListWidgetItem:
        goal = " ".join(run.goal.split()) or f"Run {run.id}"
        folder = run.workspace.rstrip("/").rsplit("/", 1)[-1] or run.workspace
        item = QListWidgetItem(goal)
        item.setData(ID_ROLE, run.id)
        detail = [f"#{run.id}", lineage(run), folder, started(run.created_at)]
        item.setData(DETAIL_ROLE, " · ".join(part for part in detail if part))
        item.setData(STORED_STATUS_ROLE, run.status)
        self._set_status(item, run.id, run.status)
        parts = (run.goal, run.workspace, lineage(run))
        item.setToolTip(plain_tip("\n".join(part for part in parts if part)))
        return item

    def _set_status(self, item: QListWidgetItem, run_id: int, stored: str) -> None:
        status = WAITING if stored == "running" and run_id in self._waiting else stored
        item.setData(STATUS_ROLE, status)
        word = BADGES.get(status, (status, ""))[0]
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{item.text()} ({word})")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Clicking the selected run shows it again (e.g. after New task)."""
        item = self.itemAt(event.position().toPoint())
        again = item is not None and item is self.currentItem()
        super().mousePressEvent(event)
        if again:
            self.runSelected.emit(item.data(ID_ROLE))

    def minimumSizeHint(self) -> QSize:
        return QSize(120, ROW_HEIGHT * 2)
