"""`TextLabel`: a selectable rich-text label that lays its text out once per text and width.

QLabel lays its whole text out again for nearly everything: twice per heightForWidth question
(a dozen per layout pass), twice per paint, and half a dozen times for its size hints (once at
width 0, every word on its own line). For a message column that re-renders while a reply
streams, that is most of a frame. So this label keeps QLabel for what users touch (selection,
links, the text screen readers read) but measures and paints from its own document, laid out
only when the text, the font or the width changes. Its size hints are fixed: a column of
height-for-width items only uses their widths, and the real height comes from heightForWidth.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QLabel, QWidget

HINT_WIDTH = 800  # about a message column's; its layout asks heightForWidth for the real one


class TextLabel(QLabel):
    """Word-wrapped rich text, selectable with the mouse, with clickable links."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = QTextDocument(self)
        self._document.setUndoRedoEnabled(False)
        self._document.setDocumentMargin(0)  # as QLabel's own document
        self._document.setDefaultFont(self.font())  # and again on FontChange (the style sheet)
        self._width = -1.0  # the text width the document is laid out at
        self._heights: dict[int, int] = {}
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )

    def setText(self, text: str) -> None:
        super().setText(text)
        self._heights.clear()
        self._document.setHtml(text)
        block = self._document.begin()
        while block.isValid():  # keep the shaped glyphs: without, every paint shapes again
            block.layout().setCacheEnabled(True)
            block = block.next()

    def heightForWidth(self, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            margins = self.contentsMargins()
            self._lay_out(width - margins.left() - margins.right())
            text_height = math.ceil(self._document.size().height())
            height = self._heights[width] = text_height + margins.top() + margins.bottom()
        return height

    def sizeHint(self) -> QSize:
        return QSize(HINT_WIDTH, self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._heights.clear()
            self._document.setDefaultFont(self.font())
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        area = self.contentsRect()
        self._lay_out(area.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = self.palette()  # QLabel draws its text in the foreground colour too
        palette.setColor(QPalette.ColorRole.Text, palette.color(self.foregroundRole()))
        context.palette = palette
        context.clip = QRectF(event.rect().translated(-area.topLeft()))
        if self.hasSelectedText():
            context.selections = [self._selection()]
        painter = QPainter(self)
        painter.translate(area.topLeft())
        self._document.documentLayout().draw(painter, context)

    def _lay_out(self, width: float) -> None:
        if width != self._width:
            self._width = width
            self._document.setTextWidth(width)

    def _selection(self) -> QAbstractTextDocumentLayout.Selection:
        """The mouse selection QLabel keeps, drawn as QLabel draws it."""
        cursor = QTextCursor(self._document)
        start = self.selectionStart()
        end = min(start + len(self.selectedText()), self._document.characterCount() - 1)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection = QAbstractTextDocumentLayout.Selection()
        selection.cursor = cursor
        selection.format.setBackground(self.palette().brush(QPalette.ColorRole.Highlight))
        selection.format.setForeground(self.palette().brush(QPalette.ColorRole.HighlightedText))
        return selection
