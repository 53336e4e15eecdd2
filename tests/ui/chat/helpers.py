"""What a user does and sees in the chat pane, for the tests."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI
from desktop.core.store.database import Message, Store
from desktop.ui.chat.message_card import MessageCard
from desktop.ui.chat.message_text import MessageText
from desktop.ui.shell.main_window import MainWindow

WAIT_MS = 5000


def plain(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText()


def screen_text(window: MainWindow) -> str:
    """Everything the message cards show, as plain text."""
    content = window.chat_pane.view.widget()
    labels = [plain(w.text()) for w in content.findChildren(QLabel) if w.isVisible()]
    texts = [w.plain_text() for w in content.findChildren(MessageText) if w.isVisible()]
    return "\n".join(texts + labels)


def cards(window: MainWindow) -> list[MessageCard]:
    return window.chat_pane.view.cards


def find(window: MainWindow, name: str) -> Any:
    """A widget by objectName, as tests and screen readers find it; not one in another tab
    (the task pane has its own stopButton)."""
    tabs = window.tabs
    others = [tabs.widget(i) for i in range(tabs.count()) if i != tabs.currentIndex()]
    widgets = [
        w
        for w in window.findChildren(QWidget, name)
        if not any(tab.isAncestorOf(w) for tab in others)
    ]
    assert widgets, f"no widget named {name!r}"
    return widgets[0]


def type_and_send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(find(window, "chatInput"), text)
    qtbot.mouseClick(find(window, "sendButton"), Qt.MouseButton.LeftButton)


def wait_idle(qtbot: QtBot, window: MainWindow, timeout: int = WAIT_MS) -> None:
    """Until the streaming reply (if any) has ended and been stored."""
    assert window.controller is not None
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=timeout)


def send_and_wait(qtbot: QtBot, window: MainWindow, text: str) -> None:
    assert window.controller is not None
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        type_and_send(qtbot, window, text)
    wait_idle(qtbot, window)


def thread(store: Store, window: MainWindow) -> list[Message]:
    assert window.controller is not None and window.controller.conversation_id is not None
    return store.thread(window.controller.conversation_id)


def message_requests(api: FakeAPI) -> list[dict[str, Any]]:
    """The Messages API calls the server received (the model list calls left out)."""
    return [
        r for r in api.requests if r["method"] == "POST" and r["path"].startswith("/v1/messages")
    ]


def click(qtbot: QtBot, button: QToolButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
