"""Markdown and titles that name local files: the window must never load them.

`![c](/dev/zero)` aborted the window and a FIFO froze it, through a reply, the task
timeline, an error line or a tooltip. Here the image is a real picture file: a document that
loaded it would hold it; a label that took the text for markup would show a picture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QLabel, QListWidget
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.store.database import Store
from desktop.ui.chat.message_text import MessageText
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.task.timeline.text import AgentText
from tests.ui.chat.helpers import send_and_wait
from tests.ui.conftest import _joined_executor, open_window, window

__all__ = ["_joined_executor", "open_window", "window"]  # the window fixtures, used here


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "picture.png"
    assert QImage(400, 300, QImage.Format.Format_RGB32).save(str(path))
    return path


def loaded(document: QTextDocument, picture: Path) -> bool:
    resource = document.resource(QTextDocument.ResourceType.ImageResource.value,
                                 QUrl.fromLocalFile(str(picture)))
    return resource is not None and not (hasattr(resource, "isNull") and resource.isNull())


def test_a_markdown_image_in_a_reply_is_not_loaded(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, picture: Path
) -> None:
    fake_api.add(Turn(f"Look: ![c]({picture}) and <img src='{picture}'>"))
    send_and_wait(qtbot, window, "hi")
    documents = [page.document for text in window.findChildren(MessageText)
                 for page in text.pages]
    assert documents and not any(loaded(d, picture) for d in documents)


def test_a_markdown_image_in_the_task_timeline_is_not_loaded(picture: Path) -> None:
    from desktop.ui.task.timeline.model import TextEntry

    entry = TextEntry(step=1, text=f"Result: ![c]({picture})\n\n**done**")
    document = AgentText().document(entry, QLabel().font())
    assert document is not None and not loaded(document, picture)


def test_a_failed_replys_error_text_is_plain(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, picture: Path
) -> None:
    fake_api.add(Turn(status=400, error_type="invalid_request_error",
                      error_message=f"<img src='{picture}'>"))
    send_and_wait(qtbot, window, "hi")
    shown = [w for w in window.findChildren(QLabel, "messageError") if "<img" in w.text()]
    assert shown and all(w.textFormat().name == "PlainText" for w in shown)


def test_a_conversation_title_is_an_escaped_tooltip(
    qtbot: QtBot, window: MainWindow, store: Store, picture: Path
) -> None:
    conversation = store.create_conversation(title=f"<img src='{picture}'>")
    window.sidebar.show_conversations(store.conversations(), None)
    listing = window.findChild(QListWidget, "conversationList")
    tips = [listing.item(i).toolTip() for i in range(listing.count())]
    assert conversation.title not in tips and any("&lt;img" in tip for tip in tips)
