"""Grouping the sidebar's lists by day: "Today", "Yesterday", "Mon 3 Mar".

A day's heading is painted above the first row of that day rather than added as a row of its
own, so the lists keep one item per conversation or run (selection, keyboard movement and
`item(row)` stay what they were). PySide6 only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

DAY_ROLE = Qt.ItemDataRole.UserRole + 10
"""The day heading shown above an item ('' for all but the first item of a day)."""
HEADER_HEIGHT = 24
HEADER_COLOUR = QColor("#8b8f98")
Index = QModelIndex | QPersistentModelIndex


def local_day(stamp: str) -> date:
    return datetime.fromisoformat(stamp).astimezone().date()


def day_label(day: date, today: date | None = None) -> str:
    today = today or datetime.now().astimezone().date()
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    label = f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"
    return label if day.year == today.year else f"{label} {day.year}"


def mark_days(
    items: Iterable[tuple[QListWidgetItem, str]], previous: date | None = None
) -> None:
    """Give the first item of each day (items newest first, with their stamps) its heading;
    `previous` is the day of the row above them, when they extend a list."""
    for item, stamp in items:
        day = local_day(stamp)
        item.setData(DAY_ROLE, day_label(day) if day != previous else "")
        previous = day


def has_heading(index: Index) -> bool:
    return bool(index.data(DAY_ROLE))


def paint_heading(painter: QPainter, option: QStyleOptionViewItem, index: Index) -> QRect:
    """Paint the item's day heading (if any); the rect left for the item itself."""
    if not has_heading(index):
        return QRect(option.rect)
    heading = QRect(option.rect.left() + 4, option.rect.top(), option.rect.width() - 8,
                    HEADER_HEIGHT)
    font = QFont(option.font)
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.82))
    font.setBold(True)
    painter.save()
    painter.setFont(font)
    painter.setPen(HEADER_COLOUR)
    painter.drawText(heading, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                     index.data(DAY_ROLE).upper())
    painter.restore()
    return option.rect.adjusted(0, HEADER_HEIGHT + 2, 0, 0)


class DayHeadingDelegate(QStyledItemDelegate):
    """The standard look for a plain list, with day headings (the conversation list)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return size + QSize(0, HEADER_HEIGHT + 2) if has_heading(index) else size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item = QStyleOptionViewItem(option)
        item.rect = paint_heading(painter, option, index)
        super().paint(painter, item, index)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        """The rename box covers the title, not the heading above it."""
        item = QStyleOptionViewItem(option)
        if has_heading(index):
            item.rect = option.rect.adjusted(0, HEADER_HEIGHT + 2, 0, 0)
        super().updateEditorGeometry(editor, item, index)
