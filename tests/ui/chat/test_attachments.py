"""Files attached to a chat message: blocks in the request, chips on screen, clear refusals."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QToolButton
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.store.database import Store
from desktop.ui.chat.attachment_chips import AttachmentChip
from desktop.ui.shell.main_window import MainWindow
from tests.ui.chat.helpers import WAIT_MS, cards, find, message_requests, send_and_wait, thread


def attach_with_button(qtbot: QtBot, window: MainWindow, *paths: Path) -> None:
    """Click Attach and pick `paths` in the (stand-in) file dialog."""
    window.composer.choose_files = lambda parent: [str(p) for p in paths]
    qtbot.mouseClick(find(window, "attachButton"), Qt.MouseButton.LeftButton)


def chips(window: MainWindow) -> list[str]:
    return [chip.name for chip in find(window, "attachmentList").findChildren(AttachmentChip)
            if chip.isVisibleTo(window)]


def status(window: MainWindow) -> str:
    label = find(window, "chatStatus")
    return label.text() if label.isVisible() else ""


def png(path: Path, colour: str = "#3b82f6") -> Path:
    image = QImage(64, 40, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path))
    return path


def test_an_image_goes_out_as_a_base64_image_block(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    picture = png(tmp_path / "chart.png")
    attach_with_button(qtbot, window, picture)
    assert chips(window) == ["chart.png"]
    fake_api.add(Turn(text="A blue rectangle."))
    send_and_wait(qtbot, window, "What is this?")

    [request] = message_requests(fake_api)
    content = request["body"]["messages"][0]["content"]
    assert content[0] == {
        "type": "image",
        "source": {
            "type": "base64", "media_type": "image/png",
            "data": base64.b64encode(picture.read_bytes()).decode(),
        },
    }
    assert content[1] == {"type": "text", "text": "What is this?"}
    assert chips(window) == []  # sent: the composer is empty again

    card = cards(window)[0]
    [chip] = card.findChildren(AttachmentChip)
    assert chip.name == "chart.png" and not chip.preview.pixmap().isNull()
    assert thread(store, window)[0].text == "What is this?"


def test_a_text_file_goes_out_as_a_text_block_and_shows_as_a_chip(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\n```sh\nls\n```\n", encoding="utf-8")
    attach_with_button(qtbot, window, notes)
    fake_api.add(Turn(text="Read it."), Turn(text="Again."))
    send_and_wait(qtbot, window, "Summarize")

    content = message_requests(fake_api)[0]["body"]["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "notes.md\n````\n# Notes\n\n```sh\nls\n```\n````"}
    body = cards(window)[0].body.plain_text()
    assert "Summarize" in body and "# Notes" not in body
    assert [c.name for c in cards(window)[0].findChildren(AttachmentChip)] == ["notes.md"]

    send_and_wait(qtbot, window, "and now?")  # the file stays in the history sent later
    history = message_requests(fake_api)[1]["body"]["messages"]
    assert history[0]["content"][0]["text"].startswith("notes.md\n")
    assert "attachment" not in history[0]["content"][0]  # app bookkeeping stays home


def test_an_oversized_file_is_refused_clearly_and_nothing_is_sent(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    big = tmp_path / "big.log"
    big.write_text("x" * (600 * 1024))
    attach_with_button(qtbot, window, big)

    assert status(window) == "big.log is 600 KB: text files can be at most 512 KB"
    assert chips(window) == []
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (6 * 1024 * 1024))
    attach_with_button(qtbot, window, huge)
    assert status(window) == "huge.png is 6 MB: images can be at most 5 MB"

    qtbot.mouseClick(find(window, "sendButton"), Qt.MouseButton.LeftButton)  # nothing to send
    qtbot.wait(100)
    assert message_requests(fake_api) == [] and store.conversations() == []


def test_binary_files_and_too_many_files_are_refused(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    blob = tmp_path / "program.bin"
    blob.write_bytes(bytes(range(256)))
    attach_with_button(qtbot, window, blob)
    assert status(window) == "program.bin is not a text file (only UTF-8 text and images attach)"

    files = []
    for number in range(11):
        files.append(tmp_path / f"f{number}.txt")
        files[-1].write_text(str(number))
    attach_with_button(qtbot, window, *files)
    assert len(chips(window)) == 10
    assert status(window) == "f10.txt: a message can carry at most 10 files"


# PySide marks QDragEnterEvent's only constructor deprecated (Qt itself does not).
@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_dropped_files_attach_and_a_chip_removes_its_file(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    first, second = png(tmp_path / "a.png"), tmp_path / "b.txt"
    second.write_text("bee")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(first)), QUrl.fromLocalFile(str(second))])
    target = find(window, "chatInput")  # dropped on the message box: it is not text to insert
    where, copy = QPoint(20, 10), Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where, copy, data, buttons, keys)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(where), copy, data, buttons, keys)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    assert find(window, "chatInput").toPlainText() == ""
    qtbot.waitUntil(lambda: chips(window) == ["a.png", "b.txt"], timeout=WAIT_MS)

    chip = find(window, "attachmentList").findChildren(AttachmentChip)[0]
    qtbot.mouseClick(chip.findChild(QToolButton, "removeAttachmentButton"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chips(window) == ["b.txt"], timeout=WAIT_MS)
