"""`searchInput` and `searchResults`: full-text search over chats, runs and memories.

Typing waits `DEBOUNCE_MS` for a pause, then asks for a search (`searchRequested`); the
review controller answers through `show_hits`, and results for a query the user has since
changed are dropped. Each hit shows where it is and its snippet with the matching words in
bold; activating one (click, Enter) emits `hitActivated(hit)`. `importButton` sits beside
the box. PySide6 only: the window builds this before the core is loaded.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.theme.palette import current
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain_tip

if TYPE_CHECKING:
    from desktop.core.store.database import SearchHit

DEBOUNCE_MS = 200
HIT_ROLE = Qt.ItemDataRole.UserRole
ROW_PADDING = 8
TITLE_CHARS = 60
MATCH = re.compile(r"\[([^\[\]\n]+)\]")


def where(hit: SearchHit) -> str:
    """What kind of thing matched, and where: "Chat", "Run #4 · event 12"…"""
    if hit.kind == "message":
        return "Chat"
    if hit.kind == "memory":
        return "Memory" + (f" · run #{hit.parent_id}" if hit.parent_id is not None else "")
    run = f"Run #{hit.parent_id}"
    return f"{run} · event {hit.seq}" if hit.seq is not None else f"{run} · goal"


def snippet_html(snippet: str) -> str:
    """The snippet with the store's [match] markers as bold, coloured text; the rest escaped."""
    parts, last = [], 0
    style = f"font-weight:600; color:{current()['warning']}"
    for match in MATCH.finditer(snippet):
        parts.append(html.escape(snippet[last:match.start()]))
        parts.append(f"<span style='{style}'>{html.escape(match.group(1))}</span>")
        last = match.end()
    parts.append(html.escape(snippet[last:]))
    return " ".join("".join(parts).split())


class SearchPanel(QWidget):
    searchRequested = Signal(str)
    hitActivated = Signal(object)
    """A `SearchHit` the user picked."""
    activeChanged = Signal(bool)
    """There is a query (the results replace the lists) or not."""
    importRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search_input = named(QLineEdit(), "searchInput",
                                  "Search chats, runs, tool output and memories")
        self.search_input.setPlaceholderText("Search history…")
        self.search_input.setClearButtonEnabled(True)
        self.import_button = named(QToolButton(), "importButton",
                                   "Import a chat or run exported as JSON")
        self.import_button.setText("Import…")
        self.results = named(QListWidget(), "searchResults", "Search results; Enter opens one")
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.hide()
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._shown_query = ""
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.search_input, 1)
        row.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(row)
        layout.addWidget(self.results, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.search_input.textChanged.connect(self.on_text_changed)
        self.search_input.returnPressed.connect(self.on_return_pressed)
        self._timer.timeout.connect(self.on_pause)
        self.results.itemActivated.connect(self.on_item_activated)
        self.results.itemClicked.connect(self.on_item_activated)
        self.import_button.clicked.connect(self.importRequested)

    @property
    def query(self) -> str:
        return self.search_input.text().strip()

    def show_hits(self, query: str, hits: list[SearchHit]) -> None:
        """Show the hits for `query`, unless the user has typed something else since."""
        if query != self.query:
            return
        self._shown_query = query
        self.results.clear()
        for hit in hits:
            self._add(hit)
        if not hits:
            empty = QListWidgetItem("No matches")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(empty)
        self._fit_rows()

    def hits(self) -> list[SearchHit]:
        items = (self.results.item(row) for row in range(self.results.count()))
        return [hit for item in items if (hit := item.data(HIT_ROLE)) is not None]

    # --- slots ------------------------------------------------------------------------------

    def on_text_changed(self, _text: str) -> None:
        active = bool(self.query)
        if active != self.results.isVisible():
            self.results.setVisible(active)
            self.activeChanged.emit(active)
        if active:
            self._timer.start()
        else:
            self._timer.stop()
            self.results.clear()

    def on_pause(self) -> None:
        if self.query:
            self.searchRequested.emit(self.query)

    def on_return_pressed(self) -> None:
        """Enter searches now, or opens the first hit once they are shown."""
        if self._timer.isActive() or self._shown_query != self.query:
            self._timer.stop()
            self.on_pause()
        elif hits := self.hits():
            self.hitActivated.emit(hits[0])

    def on_history_changed(self, *_args: object) -> None:
        """Something was added or deleted: search again, so results never point at nothing."""
        if self.query:
            self.searchRequested.emit(self.query)

    def on_item_activated(self, item: QListWidgetItem) -> None:
        hit = item.data(HIT_ROLE)
        if hit is not None:
            self.hitActivated.emit(hit)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Each hit as tall as its wrapped text at the list's width."""
        width = self.results.viewport().width()
        for row in range(self.results.count()):
            item = self.results.item(row)
            label = self.results.itemWidget(item)
            if isinstance(label, QLabel):
                item.setSizeHint(QSize(0, label.heightForWidth(width) + ROW_PADDING))

    def _add(self, hit: SearchHit) -> None:
        title = " ".join(hit.title.split()) or "(untitled)"
        if len(title) > TITLE_CHARS:
            title = title[: TITLE_CHARS - 1] + "…"
        title = html.escape(title)
        colours = current()
        label = QLabel(
            f"<div style='color:{colours['muted']}; font-size:11px'>{html.escape(where(hit))} · "
            f"{title}</div><div style='color:{colours['text']}'>{snippet_html(hit.snippet)}</div>"
        )
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setContentsMargins(8, 4, 8, 4)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        item = QListWidgetItem()
        item.setData(HIT_ROLE, hit)
        item.setToolTip(plain_tip(f"{where(hit)}\n{hit.title}"))
        spoken = MATCH.sub(r"\1", hit.snippet)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{where(hit)}: {spoken}")
        self.results.addItem(item)
        self.results.setItemWidget(item, label)
