"""Rich text that shows what a model, a server or a user wrote, without loading anything.

Qt's rich text fetches what `<img src=…>` names: a Markdown image of `/dev/zero` made the
window allocate until it aborted, a FIFO froze it, a URL would phone home. Every document
the app renders is a `TextDocument`, which loads no resource at all (an image shows as its
empty box). Labels and tooltips would guess "rich text" from a stray tag, so the ones that
show such text are plain (`plain`) or escaped (`plain_tip`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import QUrl
from PySide6.QtGui import Qt as QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

L = TypeVar("L", bound=QLabel)


class TextDocument(QTextDocument):
    """A QTextDocument that never reads a file, a device or the network for its text."""

    def loadResource(self, type: int, name: QUrl) -> Any:
        return None


def plain(label: L) -> L:
    """`label`, told to show its text as it is: a tag in it is text, never markup."""
    label.setTextFormat(QtGui.TextFormat.PlainText)
    return label


def plain_tip(text: str) -> str:
    """`text` as a tooltip shows it: escaped, so the tooltip cannot be taken for markup."""
    return QtGui.convertFromPlainText(text) if text else ""
