"""The agent's words in the timeline, rendered as Markdown the way the chat renders replies.

Most steps say one plain sentence ("Reading the tests."), and a run can have hundreds, so
those are measured and drawn with font metrics alone. Text with Markdown in it (code, lists,
emphasis, links) becomes a QTextDocument from `render_markdown`, kept per entry until the entry
streams on or the theme's code colours change. Its links work: `copy:N` copies that code block.
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextDocument,
)

from desktop.ui.task.timeline.model import TextEntry
from desktop.ui.theme.palette import Palette, current
from desktop.ui.widgets.render import render_markdown
from desktop.ui.widgets.rich_text import TextDocument

MARKDOWN = re.compile(r"[`*_\[\]|#>~]|^\s*(?:[-+] |\d+[.)] )", re.MULTILINE)
"""Anything that could render differently as Markdown; without it, the text is plain."""
WRAP = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


@dataclass
class _Rendered:
    version: int
    theme: Palette
    document: QTextDocument
    code_blocks: tuple[str, ...]


class AgentText:
    """Measures, paints and hit-tests a `TextEntry`'s text inside a rectangle."""

    def __init__(self) -> None:
        self._rendered: weakref.WeakKeyDictionary[TextEntry, _Rendered] = (
            weakref.WeakKeyDictionary()
        )

    def height(self, entry: TextEntry, width: int, font: QFont) -> int:
        document = self.document(entry, font)
        if document is None:
            metrics = QFontMetrics(font)
            bounds = metrics.boundingRect(QRect(0, 0, width, 1_000_000), WRAP, entry.text)
            return max(bounds.height(), metrics.lineSpacing())
        _lay_out(document, width)
        return math.ceil(document.size().height())

    def paint(self, painter: QPainter, entry: TextEntry, rect: QRect, font: QFont) -> None:
        document = self.document(entry, font)
        if document is None:
            painter.setFont(font)
            painter.setPen(current().colour("text"))
            painter.drawText(rect, WRAP, entry.text)
            return
        _lay_out(document, rect.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, current().colour("text"))
        context.clip = QRectF(0, 0, rect.width(), rect.height())
        painter.save()
        painter.translate(rect.topLeft())
        document.documentLayout().draw(painter, context)
        painter.restore()

    def link_at(self, entry: TextEntry, rect: QRect, pos: QPoint, font: QFont) -> str:
        """The link under `pos` ('' for none), for text painted in `rect`."""
        document = self.document(entry, font)
        if document is None or not rect.contains(pos):
            return ""
        _lay_out(document, rect.width())
        return document.documentLayout().anchorAt(QPointF(pos - rect.topLeft()))

    def code_block(self, entry: TextEntry, number: int) -> str | None:
        rendered = self._rendered.get(entry)
        if rendered is None or not 0 <= number < len(rendered.code_blocks):
            return None
        return rendered.code_blocks[number]

    def document(self, entry: TextEntry, font: QFont) -> QTextDocument | None:
        """The entry's rendered Markdown, or None for plain text (drawn with font metrics)."""
        if entry.label or not MARKDOWN.search(entry.text):  # a note about the run is the app's
            return None
        rendered = self._rendered.get(entry)
        theme = current()
        if rendered is None or rendered.version != entry.version or rendered.theme is not theme:
            markdown = render_markdown(entry.text)
            document = rendered.document if rendered else TextDocument()
            document.setDocumentMargin(0)
            document.setHtml(markdown.html)
            rendered = _Rendered(entry.version, theme, document, markdown.code_blocks)
            self._rendered[entry] = rendered
        if rendered.document.defaultFont() != font:
            rendered.document.setDefaultFont(font)
        return rendered.document


def _lay_out(document: QTextDocument, width: int) -> None:
    """At `width`: setting the width, even unchanged, lays the text out again, and this runs on
    every paint and every mouse move over the row."""
    if document.textWidth() != width:
        document.setTextWidth(width)
