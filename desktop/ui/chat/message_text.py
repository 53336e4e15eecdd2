"""A message's text on screen: one widget that paints the text as a stack of pages.

Laying out a 20,000-character reply takes ~150 ms, and a streaming reply is re-rendered every
50 ms, so the text is cut into pages of about `CHUNK_CHARS` (see `render_chunks`), each its own
QTextDocument. While a reply grows only its last page is parsed and laid out again; the pages
before it keep their layout. One widget paints them all (not a label per page): a growing reply
then costs the window's layout one height question per pass instead of dozens, no widget is
created mid-stream, and a mouse selection runs across pages like across one text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QClipboard,
    QContextMenuEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from desktop.ui.theme.palette import Palette, current
from desktop.ui.widgets.render import (
    Chunk,
    copy_index,
    normalized,
    render_chunks,
)
from desktop.ui.widgets.rich_text import TextDocument

HINT_WIDTH = 800  # until first laid out; then the width it has, so layouts ask one width
PLAIN = str.maketrans({"\u2029": "\n", "\u2028": "\n", "\xa0": " "})  # Qt's separators


@dataclass
class Page:
    """One chunk's HTML, its document, and the document's height at each width asked."""

    html: str
    document: QTextDocument
    heights: dict[int, int]


@dataclass(frozen=True, order=True)
class Spot:
    """A place in the text: a page and a character position in it."""

    page: int
    position: int


class MessageText(QWidget):
    """Shows text as Markdown or verbatim; selectable with the mouse, with clickable links."""

    linkActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chunks: list[Chunk] = []
        self._theme: Palette | None = None
        self.pages: list[Page] = []
        self._anchor: Spot | None = None  # where a selection started, and where it ends
        self._cursor: Spot | None = None
        self._pressed_link = ""
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # for Ctrl+C
        self.setCursor(Qt.CursorShape.IBeamCursor)

    # --- content ----------------------------------------------------------------------------

    @property
    def code_blocks(self) -> tuple[str, ...]:
        """The raw code of every block, indexed as the `copy:N` links number them."""
        return tuple(code for chunk in self._chunks for code in chunk.rendered.code_blocks)

    def html(self) -> str:
        return "".join(page.html for page in self.pages)

    def plain_text(self) -> str:
        return "\n".join(page.document.toPlainText() for page in self.pages).translate(PLAIN)

    def show_text(self, text: str, *, markdown: bool) -> None:
        """Render `text`, reusing the pages of the previous text it still starts with."""
        text = normalized(text)
        kept = self._stable_chunks(text)
        start = sum(len(chunk.source) for chunk in kept)
        first_code_block = sum(len(chunk.rendered.code_blocks) for chunk in kept)
        fresh = render_chunks(text[start:], markdown=markdown, first_code_block=first_code_block)
        self._chunks = kept + fresh
        self._theme = current()
        self._show([chunk.rendered.html for chunk in fresh], first=len(kept))
        self.setAccessibleDescription(text)

    def show_html(self, html: str) -> None:
        """Show ready-made HTML (a placeholder), forgetting the text."""
        self._chunks = []
        self._show([html], first=0)

    def _stable_chunks(self, text: str) -> list[Chunk]:
        """The chunks `text` still starts with, but not the last: it may have grown."""
        if self._theme is not current():  # rendered in other colours: render all again
            return []
        kept: list[Chunk] = []
        offset = 0
        for chunk in self._chunks[:-1]:
            if not text.startswith(chunk.source, offset):
                break
            kept.append(chunk)
            offset += len(chunk.source)
        return kept

    def _show(self, htmls: list[str], first: int) -> None:
        """Pages from `first` on get these HTMLs; those after them go. A page whose HTML is
        unchanged keeps its layout, and a changed one keeps its document (re-filled)."""
        end = first + len(htmls)
        for page in self.pages[end:]:
            page.document.deleteLater()
        del self.pages[end:]
        for index, html in enumerate(htmls, start=first):
            if index == len(self.pages):
                self.pages.append(Page(html, self._document(html), {}))
            elif self.pages[index].html != html:
                self.pages[index].document.setHtml(html)
                self.pages[index] = Page(html, self.pages[index].document, {})
        if self._cursor is not None and self._cursor.page >= first:
            self._anchor = self._cursor = None
        self.updateGeometry()
        self.update()

    def _document(self, html: str) -> QTextDocument:
        document = TextDocument(self)
        document.setUndoRedoEnabled(False)
        document.setDocumentMargin(0)  # as a QLabel's
        document.setDefaultFont(self.font())
        document.setHtml(html)
        return document

    # --- geometry ---------------------------------------------------------------------------

    def heightForWidth(self, width: int) -> int:
        return sum(self._page_height(page, width) for page in self.pages)

    def sizeHint(self) -> QSize:
        laid_out = self.testAttribute(Qt.WidgetAttribute.WA_Resized)
        width = self.width() if laid_out else HINT_WIDTH
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height())

    @staticmethod
    def _page_height(page: Page, width: int) -> int:
        if width not in page.heights:
            if page.document.textWidth() != width:  # setting it, even unchanged, lays out
                page.document.setTextWidth(width)
            page.heights[width] = math.ceil(page.document.size().height())
        return page.heights[width]

    def _tops(self) -> list[int]:
        """Each page's top at the current width, laying pages out at it where needed."""
        tops, top, width = [], 0, self.width()
        for page in self.pages:
            height = self._page_height(page, width)
            if page.document.textWidth() != width:
                page.document.setTextWidth(width)
            tops.append(top)
            top += height
        return tops

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            for page in self.pages:
                page.document.setDefaultFont(self.font())
                page.heights.clear()
            self.updateGeometry()
        super().changeEvent(event)

    # --- painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Text, palette.color(self.foregroundRole()))
        area = event.rect()
        selection = self._selection()
        for index, (page, top) in enumerate(zip(self.pages, self._tops(), strict=True)):
            if top > area.bottom() or top + page.heights[self.width()] < area.top():
                continue
            context = QAbstractTextDocumentLayout.PaintContext()
            context.palette = palette
            context.clip = QRectF(area.translated(0, -top))
            if selection is not None and selection[0].page <= index <= selection[1].page:
                context.selections = [self._highlight(index, *selection)]
            painter.save()
            painter.translate(0, top)
            page.document.documentLayout().draw(painter, context)
            painter.restore()

    def _highlight(
        self, index: int, start: Spot, end: Spot
    ) -> QAbstractTextDocumentLayout.Selection:
        highlight = QAbstractTextDocumentLayout.Selection()
        highlight.cursor = self._span(index, start, end)
        highlight.format.setBackground(self.palette().brush(QPalette.ColorRole.Highlight))
        highlight.format.setForeground(self.palette().brush(QPalette.ColorRole.HighlightedText))
        return highlight

    def _span(self, index: int, start: Spot, end: Spot) -> QTextCursor:
        """The part of page `index` between `start` and `end`."""
        document = self.pages[index].document
        cursor = QTextCursor(document)
        cursor.setPosition(start.position if index == start.page else 0)
        last = document.characterCount() - 1
        end_position = end.position if index == end.page else last
        cursor.setPosition(min(end_position, last), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    # --- selection and links ----------------------------------------------------------------

    def selected_text(self) -> str:
        selection = self._selection()
        if selection is None:
            return ""
        start, end = selection
        parts = []
        for index in range(start.page, end.page + 1):
            parts.append(self._span(index, start, end).selectedText())
        return "\n".join(parts).translate(PLAIN)

    def select_all(self) -> None:
        if self.pages:
            last = len(self.pages) - 1
            self._anchor = Spot(0, 0)
            self._cursor = Spot(last, self.pages[last].document.characterCount() - 1)
            self.update()

    def copy(self) -> None:
        if text := self.selected_text():
            QGuiApplication.clipboard().setText(text)

    def _selection(self) -> tuple[Spot, Spot] | None:
        if self._anchor is None or self._cursor is None or self._anchor == self._cursor:
            return None
        return min(self._anchor, self._cursor), max(self._anchor, self._cursor)

    def _spot(self, point: QPoint) -> Spot | None:
        """The place in the text under `point` (the nearest one beside the text)."""
        tops = self._tops()
        if not tops:
            return None
        index = max(0, sum(1 for top in tops if top <= point.y()) - 1)
        local = QPointF(point.x(), point.y() - tops[index])
        layout = self.pages[index].document.documentLayout()
        hit = layout.hitTest(local, Qt.HitTestAccuracy.FuzzyHit)
        return Spot(index, max(0, hit))

    def _link(self, point: QPoint) -> str:
        spot = self._spot(point)
        if spot is None:
            return ""
        top = self._tops()[spot.page]
        layout = self.pages[spot.page].document.documentLayout()
        return layout.anchorAt(QPointF(point.x(), point.y() - top))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        point = event.position().toPoint()
        self._pressed_link = self._link(point)
        self._anchor = self._cursor = self._spot(point)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if event.buttons() & Qt.MouseButton.LeftButton and self._anchor is not None:
            self._cursor = self._spot(point)
            self.update()
        link = self._link(point)
        self.setCursor(Qt.CursorShape.PointingHandCursor if link else Qt.CursorShape.IBeamCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        link, self._pressed_link = self._pressed_link, ""
        if self._selection() is None and link and link == self._link(event.position().toPoint()):
            self.linkActivated.emit(link)
        elif (text := self.selected_text()) and QGuiApplication.clipboard().supportsSelection():
            QGuiApplication.clipboard().setText(text, QClipboard.Mode.Selection)  # middle-click

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        spot = self._spot(event.position().toPoint())
        if spot is None:
            return
        cursor = QTextCursor(self.pages[spot.page].document)
        cursor.setPosition(spot.position)
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        self._anchor = Spot(spot.page, cursor.selectionStart())
        self._cursor = Spot(spot.page, cursor.selectionEnd())
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        else:
            super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        copy = menu.addAction("Copy", self.copy)
        copy.setEnabled(self._selection() is not None)
        menu.addAction("Select All", self.select_all)
        link = self._link(event.pos())
        if link and copy_index(link) is None:
            menu.addAction("Copy Link", lambda: QGuiApplication.clipboard().setText(link))
        menu.exec(event.globalPos())
