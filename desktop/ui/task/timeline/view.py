"""`eventView`: a run's timeline as a list view over its `TimelineModel`.

A model/view list rather than a column of widgets: only the rows on screen are painted, so a run
with hundreds of tool calls and megabytes of output opens and scrolls as quickly as a short
one. The view follows the newest row unless the user has scrolled up to read. The one call
waiting for approval gets a real widget (`ApprovalPanel`) in its row; everything else is paint.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QMenu, QWidget

from desktop.ui.task.approval_panel import ApprovalPanel
from desktop.ui.task.timeline.delegate import TimelineDelegate
from desktop.ui.task.timeline.model import ENTRY_ROLE, TimelineModel, ToolEntry

FOLLOW_SLACK_PX = 24
Index = QModelIndex | QPersistentModelIndex


class TimelineView(QListView):
    """Shows one run's timeline at a time; switching runs swaps the model, nothing else."""

    approvalAnswered = Signal(str, bool, bool, str)
    """(call id, allow, always, reason) from the approval panel."""
    stepKeyPressed = Signal(int)
    """Left (-1) or Right (+1): step a replay."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventView")
        self.setAccessibleName("eventView")
        self.setAccessibleDescription("What the agent did: its messages and tool calls")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setMouseTracking(True)
        self.delegate = TimelineDelegate(self)
        self.setItemDelegate(self.delegate)
        self.timeline: TimelineModel | None = None
        self.panel: ApprovalPanel | None = None
        self._panel_row: int | None = None
        self._follow = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self.on_range_changed)
        bar.valueChanged.connect(self.on_scrolled)

    def show_timeline(self, timeline: TimelineModel | None) -> None:
        """Show another run's rows, scrolled to the newest."""
        if timeline is self.timeline:
            return
        self.delegate.highlighted_row = None
        self._drop_panel()
        if self.timeline is not None:
            self.timeline.approvalChanged.disconnect(self.on_approval_changed)
        old_selection = self.selectionModel()
        self.timeline = timeline
        self.setModel(timeline)
        if old_selection is not None:
            old_selection.deleteLater()
        self._follow = True
        if timeline is not None:
            timeline.approvalChanged.connect(self.on_approval_changed)
            self.on_approval_changed()
        self.scrollToBottom()

    @property
    def following(self) -> bool:
        return self._follow

    def highlight(self, row: int | None) -> None:
        """Ring `row` (None: no row) and bring it into view."""
        self.delegate.highlighted_row = row
        self.viewport().update()
        if row is not None and self.timeline is not None:
            self.scrollTo(self.timeline.index(row), QAbstractItemView.ScrollHint.EnsureVisible)

    # --- Qt overrides -----------------------------------------------------------------------

    def dataChanged(self, top_left: Index, bottom_right: Index, roles: list[int] = ()) -> None:
        """Repaint the rows; lay out again only when one of them changed height."""
        super().dataChanged(top_left, bottom_right, roles)
        if self.timeline is None:
            return
        rows = range(top_left.row(), bottom_right.row() + 1)
        if any(self.delegate.height_changed(self.timeline.index(row)) for row in rows):
            self.scheduleDelayedItemsLayout()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}
        if event.key() in steps and not event.modifiers():
            self.stepKeyPressed.emit(steps[event.key()])
            return
        super().keyPressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """A pointing hand over what folds or unfolds."""
        super().mouseMoveEvent(event)
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        clickable = index.isValid() and self.delegate.hit(index, self.visualRect(index), pos)
        shape = Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        self.viewport().setCursor(shape)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        entry = index.data(ENTRY_ROLE)
        menu = QMenu(self)
        if isinstance(entry, ToolEntry):
            if not entry.body.is_empty():
                menu.addAction("Copy output", lambda: _copy(entry.body.text()))
            if entry.key:
                menu.addAction(f"Copy {entry.name} argument", lambda: _copy(entry.key))
        else:
            menu.addAction("Copy text", lambda: _copy(index.data()))
        menu.exec(event.globalPos())

    # --- slots ------------------------------------------------------------------------------

    def on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(maximum)

    def on_scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - FOLLOW_SLACK_PX

    def on_approval_changed(self) -> None:
        """Put the approval panel on the call waiting for an answer (if any)."""
        row = self.timeline.pending_row() if self.timeline is not None else None
        if row == self._panel_row and self.panel is not None:
            return
        self._drop_panel()
        if row is None or self.timeline is None:
            return
        entry = self.timeline.entries[row]
        assert isinstance(entry, ToolEntry)
        panel = ApprovalPanel(entry, self.delegate.fonts())
        panel.answered.connect(self.approvalAnswered)
        self.panel, self._panel_row = panel, row
        self.setIndexWidget(self.timeline.index(row), panel)
        self.scheduleDelayedItemsLayout()
        if self._follow:
            self.scrollToBottom()

    def _drop_panel(self) -> None:
        panel, row = self.panel, self._panel_row
        self.panel = self._panel_row = None
        if panel is None:
            return
        if self.timeline is not None and row is not None:
            self.setIndexWidget(self.timeline.index(row), None)
        panel.hide()
        panel.deleteLater()
        self.scheduleDelayedItemsLayout()


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)

