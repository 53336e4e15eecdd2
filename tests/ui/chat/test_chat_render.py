"""Markdown on screen: highlighted code with a working Copy link, escaped HTML, tables, and long
replies laid out in chunks."""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QTextDocument
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.ui.chat.message_text import MessageText
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.widgets.render import CHUNK_CHARS, render_chunks, render_markdown, render_plain
from tests.ui.chat.helpers import cards, find, send_and_wait

CODE = 'def greet(name: str) -> str:\n    return f"Hello, {name}!"'
REPLY = f"Here you go:\n\n```python\n{CODE}\n```\n\nAnd `inline` too."


def test_code_block_is_highlighted_and_copyable() -> None:
    rendered = render_markdown(REPLY)

    assert rendered.code_blocks == (CODE,)
    assert 'href="copy:0"' in rendered.html
    assert re.search(
        r'<span style="color: #[0-9A-Fa-f]{3,6}; font-weight: bold">def</span>', rendered.html
    )
    assert "class=" not in rendered.html  # Qt ignores classes: every style must be inline
    assert "<code" in rendered.html


def test_raw_html_is_escaped_and_tables_render() -> None:
    html = render_markdown("<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |").html

    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<table" in html and "<td>1</td>" in html and "<s>2</s>" in html
    assert "&lt;b&gt;" in render_plain("<b>not bold</b>").html


def _copy_link_position(qtbot: QtBot, text: MessageText) -> QPoint:
    """Where the "Copy" link is: the point over which the text shows a link cursor."""
    for y in range(0, text.height(), 3):
        for x in range(text.width() - 2, text.width() // 2, -4):
            qtbot.mouseMove(text, QPoint(x, y))
            if text.cursor().shape() == Qt.CursorShape.PointingHandCursor:
                return QPoint(x, y)
    raise AssertionError("no link found on the message")


def test_copy_link_puts_the_code_on_the_clipboard(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI
) -> None:
    fake_api.add(Turn(text=REPLY))
    send_and_wait(qtbot, window, "show me code")
    QGuiApplication.clipboard().clear()
    body = cards(window)[-1].body
    composer = find(window, "composer")
    before = composer.mapTo(window, QPoint(0, 0))

    qtbot.mouseClick(body, Qt.MouseButton.LeftButton, pos=_copy_link_position(qtbot, body))
    assert QGuiApplication.clipboard().text() == CODE
    notice = find(window, "chatNotice")
    assert notice.isVisible() and "Code copied" in notice.text()
    assert composer.mapTo(window, QPoint(0, 0)) == before  # the notice floats: nothing moves
    assert not find(window, "chatStatus").isVisible()


def test_copy_message_copies_the_markdown(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI
) -> None:
    fake_api.add(Turn(text=REPLY))
    send_and_wait(qtbot, window, "show me code")
    qtbot.mouseClick(cards(window)[-1].copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == REPLY


def test_a_long_reply_renders_in_chunks_exactly_as_a_whole() -> None:
    long = "\n\n".join([f"Paragraph {n}: " + "words " * 40 for n in range(40)] + [REPLY] * 3)

    chunks = render_chunks(long, markdown=True)

    assert len(chunks) > 5 and all(len(c.source) >= CHUNK_CHARS for c in chunks[:-1])
    assert "".join(c.source for c in chunks) == long
    whole = render_markdown(long)
    assert "".join(c.rendered.html for c in chunks) == whole.html  # copy:0, copy:1, copy:2
    assert tuple(code for c in chunks for code in c.rendered.code_blocks) == whole.code_blocks


def test_a_growing_text_keeps_its_finished_chunks(qtbot: QtBot) -> None:
    text = MessageText()
    qtbot.addWidget(text)
    reply = "\n\n".join(f"Paragraph {n}: " + "words " * 40 for n in range(30))
    text.show_text(reply[:4000], markdown=True)
    finished = text.pages[:-1]
    growing = text.pages[-1].document

    text.show_text(reply, markdown=True)  # more streamed in

    assert len(text.pages) > len(finished) > 3
    assert all(a is b for a, b in zip(text.pages, finished, strict=False))  # not parsed again
    assert text.pages[len(finished)].document is growing  # re-filled, not replaced
    assert len(text.findChildren(QTextDocument)) == len(text.pages)
    assert text.plain_text().count("Paragraph") == 30


def test_a_selection_runs_across_pages_and_copies_as_text(qtbot: QtBot) -> None:
    text = MessageText()
    qtbot.addWidget(text)
    text.resize(500, 100)
    reply = "\n\n".join(f"Paragraph {n}: " + "words " * 40 for n in range(12))
    text.show_text(reply, markdown=True)
    text.resize(500, text.heightForWidth(500))
    text.show()
    assert len(text.pages) > 3

    start, end = QPoint(1, 2), QPoint(text.width() - 1, text.height() - 2)
    qtbot.mousePress(text, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(text, end)
    qtbot.mouseRelease(text, Qt.MouseButton.LeftButton, pos=end)
    qtbot.keyClick(text, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("Paragraph 0: words") and copied.rstrip().endswith("words")
    assert [f"Paragraph {n}:" in copied for n in range(12)] == [True] * 12
    assert "\u2029" not in copied and "\n\nParagraph 1:" not in copied  # one line per paragraph


def test_a_click_without_dragging_follows_a_link(qtbot: QtBot) -> None:
    text = MessageText()
    qtbot.addWidget(text)
    text.show_text("[the docs](https://example.org/docs) and more", markdown=True)
    text.resize(400, text.heightForWidth(400))
    text.show()
    with qtbot.waitSignal(text.linkActivated, timeout=1000) as clicked:
        qtbot.mouseClick(text, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert clicked.args == ["https://example.org/docs"]
    assert text.selected_text() == ""
