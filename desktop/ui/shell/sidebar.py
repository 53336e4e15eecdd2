"""The left column: New chat, search, the conversation list (`conversationList`), and more.

Rename is inline (F2, double-click or the context menu); delete asks first, through a
non-blocking message box so streaming carries on while it is open. Other panes add their own
lists below with `add_section` (the task pane adds "Runs"). Both lists are grouped by day
and read a page at a time (`moreRequested` asks for the next); while the search box holds a
query its results take the lists' place.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.review.search_panel import SearchPanel
from desktop.ui.widgets.day_groups import DayHeadingDelegate, local_day, mark_days
from desktop.ui.widgets.list_pager import ListPager
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain_tip

if TYPE_CHECKING:
    from desktop.core.store.database import Conversation

ID_ROLE = Qt.ItemDataRole.UserRole
Shown = tuple[date, list[tuple[int, str, date]]]
"""What the list shows: today (for its day headings), and each row's id, title and day."""


def section_label(title: str) -> QLabel:
    label = QLabel(title.upper())
    label.setObjectName("sidebarSection")
    return label


class Sidebar(QFrame):
    newChatRequested = Signal()
    conversationSelected = Signal(int)
    conversationPicked = Signal()
    """The user clicked (or pressed Enter on) a chat: it should come on screen."""
    renameRequested = Signal(int, str)
    deleteRequested = Signal(int)
    moreRequested = Signal()
    """Scrolled near the end: show the first `pager.wanted` conversations."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.new_chat_button = QPushButton("+  New chat")
        self.new_chat_button.setObjectName("newChatButton")
        self.new_chat_button.setAccessibleName("New chat")
        self.new_chat_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.conversation_list = QListWidget()
        self.conversation_list.setObjectName("conversationList")
        self.conversation_list.setAccessibleName("conversationList")
        self.conversation_list.setToolTip("F2 renames, Delete deletes; right-click for more")
        self.conversation_list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.conversation_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.conversation_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversation_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.conversation_list.setItemDelegate(DayHeadingDelegate(self.conversation_list))
        self.pager = ListPager(self.conversation_list, self.moreRequested.emit)
        self.search_panel = SearchPanel()
        self.confirm_box: QMessageBox | None = None
        self._shown: Shown | None = None
        self._pending_delete: int | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(10, 12, 10, 12)
        self._layout.setSpacing(8)
        self._layout.addWidget(self.new_chat_button)
        self._layout.addWidget(self.search_panel)
        self._browse = QWidget()
        self._browse.setObjectName("historyView")
        self._browse.setAccessibleName("historyView")
        browse = QVBoxLayout(self._browse)
        browse.setContentsMargins(0, 0, 0, 0)
        self._sections = named(QSplitter(Qt.Orientation.Vertical), "historySplitter",
                               "Drag to share the height between chats and runs")
        self._sections.setChildrenCollapsible(False)
        browse.addWidget(self._sections)
        self.add_section("Chats", self.conversation_list)
        self._layout.addWidget(self._browse, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.new_chat_button.clicked.connect(self.newChatRequested)
        self.conversation_list.currentItemChanged.connect(self.on_current_item_changed)
        self.conversation_list.itemClicked.connect(self.conversationPicked)
        self.conversation_list.itemActivated.connect(self.conversationPicked)
        self.conversation_list.itemChanged.connect(self.on_item_changed)
        self.conversation_list.customContextMenuRequested.connect(self.on_context_menu)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.conversation_list)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.on_delete_key)
        self.search_panel.activeChanged.connect(self.on_search_active)

    def add_section(self, title: str, widget: QWidget, stretch: int = 1) -> None:
        """Add a titled list under the others; the user drags the handles between them."""
        section = QWidget()
        column = QVBoxLayout(section)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(8)
        column.addWidget(section_label(title))
        column.addWidget(widget, 1)
        self._sections.addWidget(section)
        self._sections.setStretchFactor(self._sections.count() - 1, stretch)

    def on_search_active(self, active: bool) -> None:
        """Search results take the lists' place while there is a query."""
        self._browse.setVisible(not active)
        self._layout.setStretchFactor(self.search_panel, 1 if active else 0)

    def show_conversations(self, conversations: list[Conversation], current: int | None) -> None:
        """Refill the list (newest first) without it counting as the user's selection. Every
        message sent asks for this; a list that would look the same is only re-selected."""
        shown = date.today(), [(c.id, c.title, local_day(c.updated_at)) for c in conversations]
        view = self.conversation_list
        view.blockSignals(True)
        before, self._shown = self._shown, shown
        if before is not None and before[0] == shown[0] and shown[1][:len(before[1])] == before[1]:
            # The next page (or nothing new): add its rows, keep the scroll position.
            day = before[1][-1][2] if before[1] else None
            self._add(conversations[len(before[1]):], day)
        else:
            view.clear()
            self._add(conversations)
        view.setCurrentItem(self.item_for(current) if current is not None else None)
        view.blockSignals(False)

    def _add(self, conversations: list[Conversation], previous: date | None = None) -> None:
        view = self.conversation_list
        items = []
        for conversation in conversations:
            item = QListWidgetItem(conversation.title)
            item.setData(ID_ROLE, conversation.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(plain_tip(conversation.title))
            items.append((item, conversation.updated_at))
        mark_days(items, previous)
        for item, _ in items:
            view.addItem(item)

    def item_for(self, conversation_id: int) -> QListWidgetItem | None:
        for row in range(self.conversation_list.count()):
            item = self.conversation_list.item(row)
            if item.data(ID_ROLE) == conversation_id:
                return item
        return None

    def on_current_item_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.conversationSelected.emit(item.data(ID_ROLE))

    def on_item_changed(self, item: QListWidgetItem) -> None:
        self._shown = None  # the row shows what was typed: let the refill show the stored title
        self.renameRequested.emit(item.data(ID_ROLE), item.text())

    def on_context_menu(self, position: QPoint) -> None:
        item = self.conversation_list.itemAt(position)
        if item is None:
            return
        menu = QMenu(self)
        menu.addAction("Rename", lambda: self.conversation_list.editItem(item))
        menu.addAction("Delete…", lambda: self.confirm_delete(item))
        menu.popup(self.conversation_list.viewport().mapToGlobal(position))

    def on_delete_key(self) -> None:
        item = self.conversation_list.currentItem()
        if item is not None:
            self.confirm_delete(item)

    def confirm_delete(self, item: QListWidgetItem) -> None:
        """Ask before deleting; the answer arrives in `on_delete_answered`."""
        self._pending_delete = item.data(ID_ROLE)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete conversation",
            f"Delete “{item.text()}” and all its messages? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("confirmDeleteBox")
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(self.on_delete_answered)
        self.confirm_box = box
        box.open()

    def on_delete_answered(self, button: QAbstractButton) -> None:
        box, conversation_id = self.confirm_box, self._pending_delete
        self.confirm_box = self._pending_delete = None
        if box is None or conversation_id is None:
            return
        box.deleteLater()
        if box.standardButton(button) == QMessageBox.StandardButton.Yes:
            self.deleteRequested.emit(conversation_id)
