"""`centred`: widgets in a column of a readable width, centred in whatever is wider."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLayout, QVBoxLayout, QWidget


def centred(*widgets: QWidget, width: int, margins: tuple[int, int, int, int]) -> QLayout:
    """The widgets stacked in a column at most `width` wide, centred."""
    column = QWidget()
    column.setMaximumWidth(width)
    stack = QVBoxLayout(column)
    stack.setContentsMargins(0, 0, 0, 0)
    stack.setSpacing(8)
    for widget in widgets:
        stack.addWidget(widget)
    row = QHBoxLayout()
    row.setContentsMargins(*margins)
    row.addWidget(column)
    return row
