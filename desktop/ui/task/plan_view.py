"""`planView`: the agent's checklist from update_plan, redrawn each time the plan changes.

Each item shows its state as an icon (an empty ring for pending, a filled ring for the step in
progress, a check for done); the step in progress is also bold on a tinted row, so the current
step stands out at a glance. The view grows with the plan up to `MAX_VISIBLE_ITEMS` rows.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListWidget, QListWidgetItem, QWidget

from desktop.core.events import PlanItem
from desktop.ui.theme.palette import PALETTES, current
from desktop.ui.widgets.rich_text import plain_tip

STATUS_ROLE = Qt.ItemDataRole.UserRole
MAX_VISIBLE_ITEMS = 8
ROW_HEIGHT = 24
ICON_SIZE = 16
STATUS_WORDS = {"pending": "to do", "in_progress": "in progress", "done": "done"}


def status_icon(status: str) -> QIcon:
    """A ring (pending), a ring with a dot (in progress) or a check on a disc (done)."""
    return _status_icon(status, current().dark)


@functools.cache
def _status_icon(status: str, dark: bool) -> QIcon:
    screen = QGuiApplication.primaryScreen()
    scale = screen.devicePixelRatio() if screen is not None else 1.0
    pixmap = QPixmap(int(ICON_SIZE * scale), int(ICON_SIZE * scale))
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = PALETTES[dark].status(status)
    ring = QRectF(2, 2, ICON_SIZE - 4, ICON_SIZE - 4)
    if status == "done":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawEllipse(ring)
        check = QPainterPath(QPointF(5, 8.2))
        check.lineTo(7.2, 10.4)
        check.lineTo(11.2, 5.8)
        pen = QPen(QColor("white"), 1.8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(check)
    else:
        painter.setPen(QPen(colour, 1.5))
        painter.drawEllipse(ring)
        if status == "in_progress":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(colour))
            painter.drawEllipse(QRectF(5.5, 5.5, ICON_SIZE - 11, ICON_SIZE - 11))
    painter.end()
    return QIcon(pixmap)


class PlanView(QListWidget):
    """The plan's items; read-only (the agent owns the plan)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planView")
        self.setAccessibleName("planView")
        self.setAccessibleDescription("The agent's plan")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setUniformItemSizes(True)
        self.show_plan(())

    def show_plan(self, items: Sequence[PlanItem]) -> None:
        """Show `items`, reusing rows so a change of status does not flicker."""
        while self.count() > len(items):
            self.takeItem(self.count() - 1)
        while self.count() < len(items):
            item = QListWidgetItem()
            item.setSizeHint(QSize(0, ROW_HEIGHT))
            self.addItem(item)
        for row, plan_item in enumerate(items):
            self._fill(self.item(row), plan_item)
        self._fit_height()

    def statuses(self) -> list[tuple[str, str]]:
        """(text, status) per item, top to bottom."""
        return [(self.item(r).text(), self.item(r).data(STATUS_ROLE)) for r in range(self.count())]

    def _fill(self, item: QListWidgetItem, plan_item: PlanItem) -> None:
        status = plan_item.status
        item.setText(plan_item.text)
        item.setData(STATUS_ROLE, status)
        item.setIcon(status_icon(status))
        item.setToolTip(plain_tip(f"{plan_item.text} ({STATUS_WORDS[status]})"))
        spoken = f"{STATUS_WORDS[status]}: {plan_item.text}"
        item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
        font = self.font()
        font.setBold(status == "in_progress")
        item.setFont(font)
        colours = current()
        item.setForeground(colours.colour("muted" if status == "done" else "text"))
        band = colours.colour("plan_current") if status == "in_progress" else QColor(0, 0, 0, 0)
        item.setBackground(band)

    def _fit_height(self) -> None:
        rows = min(self.count(), MAX_VISIBLE_ITEMS)
        self.setFixedHeight(rows * ROW_HEIGHT + 2 * self.frameWidth() + 2)
