"""Read a history list a page at a time: the newest `PAGE` rows at start, more on scrolling.

A years-old database holds tens of thousands of chats; reading them all and making an item
and a size hint for each took seconds before the sidebar could scroll. PySide6 only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QListWidget

PAGE = 100
NEAR_END_ROWS = 30
"""How close to the end (in rows) the user scrolls before the next page is read."""


class ListPager(QObject):
    """Counts the rows a list wants (`wanted`); calls `more()` once it is scrolled near its
    end while it holds them all, that is while the source may have more."""

    def __init__(self, view: QListWidget, more: Callable[[], None]) -> None:
        super().__init__(view)
        self.wanted = PAGE
        self._view = view
        self._more = more
        view.verticalScrollBar().valueChanged.connect(self.on_scrolled)

    def on_scrolled(self, _value: int) -> None:
        view = self._view
        if view.count() < self.wanted:
            return
        last = view.indexAt(view.viewport().rect().bottomLeft()).row()
        if last == -1 or last >= view.count() - NEAR_END_ROWS:
            self.wanted += PAGE
            self._more()
