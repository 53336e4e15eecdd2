"""Paints the timeline's rows: the agent's text (Markdown, see `timeline_text`), tool-call
cards, and how the run ended.

A card is a header (status dot, tool name, key argument, status and duration), an optional
note (a denial's reason), the output in a monospace body folded to `FOLD_LINES`, and a
"show all" footer. Only the body lines on screen are drawn, so a card holding a megabyte of
output costs no more to scroll past than a short one. Heights are cached per entry version and
width; the hit areas (the header folds the card, the footer unfolds the output) come from the
same geometry the painter uses.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QDesktopServices,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QGuiApplication,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QAbstractItemView, QStyledItemDelegate, QStyleOptionViewItem

from desktop.ui.task.timeline.model import (
    ENTRY_ROLE,
    FOLD_LINES,
    EndEntry,
    Entry,
    TextEntry,
    ToolEntry,
)
from desktop.ui.task.timeline.text import AgentText
from desktop.ui.theme.palette import current
from desktop.ui.widgets.render import copy_index
from desktop.ui.widgets.run_format import diff_kind, tool_title

COLUMN_WIDTH = 920
SIDE_MARGIN = 20
ROW_GAP = 5
CARD_RADIUS = 8.0
HEADER_HEIGHT = 34
NOTE_HEIGHT = 22
FOOTER_HEIGHT = 26
BODY_PADDING = 8
TEXT_LABEL_HEIGHT = 20
END_HEIGHT = 36
PLAIN_OUTPUT_TOOLS = frozenset({"run_command"})
"""A failing command's output is still just output: the status says it failed."""
MAX_PAINTED_CHARS = 400
"""Longer lines are cut before eliding: no window is wide enough to show more."""
Index = QModelIndex | QPersistentModelIndex


class Fonts:
    """The fonts a row is drawn with, derived from the view's font."""

    def __init__(self, base: QFont) -> None:
        self.base = QFont(base)
        self.bold = QFont(base)
        self.bold.setBold(True)
        self.small = QFont(base)
        self.small.setPointSizeF(max(7.0, base.pointSizeF() * 0.88))
        self.mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.mono.setPointSizeF(max(7.0, base.pointSizeF() * 0.9))
        self.line_height = QFontMetrics(self.mono).lineSpacing() + 1


@dataclass(frozen=True)
class CardGeometry:
    card: QRect
    header: QRect
    note: QRect
    body: QRect
    footer: QRect
    shown_lines: int


def column(rect: QRect) -> QRect:
    """The centred column a row draws in, inside its gaps."""
    width = max(120, min(COLUMN_WIDTH, rect.width() - 2 * SIDE_MARGIN))
    left = rect.left() + (rect.width() - width) // 2
    return QRect(left, rect.top() + ROW_GAP, width, rect.height() - 2 * ROW_GAP)


def card_geometry(entry: ToolEntry, area: QRect, fonts: Fonts) -> CardGeometry:
    left, width, top = area.left(), area.width(), area.top()
    header = QRect(left, top, width, HEADER_HEIGHT)
    note = QRect(left, header.bottom() + 1, width, NOTE_HEIGHT if entry.note else 0)
    shown = 0
    if not entry.collapsed and not entry.body.is_empty():
        lines = entry.body.line_count
        shown = lines if entry.expanded else min(lines, FOLD_LINES)
    body_height = 2 * BODY_PADDING + shown * fonts.line_height if shown else 0
    body = QRect(left, note.top() + note.height(), width, body_height)
    footer_height = FOOTER_HEIGHT if shown and entry.foldable else 0
    footer = QRect(left, body.top() + body.height(), width, footer_height)
    card = QRect(left, top, width, footer.top() + footer.height() - top)
    return CardGeometry(card, header, note, body, footer, shown)


class TimelineDelegate(QStyledItemDelegate):
    """Draws and measures timeline rows; toggles folding on clicks."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self.highlighted_row: int | None = None
        """The row a replay or a search result points at: it gets a ring."""
        self._fonts: Fonts | None = None
        self.text = AgentText()
        self._heights: weakref.WeakKeyDictionary[Entry, tuple[int, int, int]] = (
            weakref.WeakKeyDictionary()
        )

    def fonts(self) -> Fonts:
        if self._fonts is None or self._fonts.base != self._view.font():
            self._fonts = Fonts(self._view.font())
            self._heights.clear()
        return self._fonts

    # --- measuring --------------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = self._view.viewport().width()
        panel = self._view.indexWidget(index)
        if panel is not None:  # the approval panel stands in for the card
            return QSize(width, panel.sizeHint().height())
        entry: Entry = index.data(ENTRY_ROLE)
        cached = self._heights.get(entry)
        if cached is not None and cached[:2] == (entry.version, width):
            return QSize(width, cached[2])
        height = self._measure(entry, width)
        self._heights[entry] = (entry.version, width, height)
        return QSize(width, height)

    def height_changed(self, index: Index) -> bool:
        """Whether the row's height moved since it was last laid out."""
        entry: Entry = index.data(ENTRY_ROLE)
        cached = self._heights.get(entry)
        if cached is None or cached[0] == entry.version:
            return False
        return self.sizeHint(QStyleOptionViewItem(), index).height() != cached[2]

    def _measure(self, entry: Entry, width: int) -> int:
        fonts = self.fonts()
        area = column(QRect(0, 0, width, 10_000))
        if isinstance(entry, ToolEntry):
            return card_geometry(entry, area, fonts).card.height() + 2 * ROW_GAP
        if isinstance(entry, TextEntry):
            text = self.text.height(entry, area.width() - 8, fonts.base)
            return TEXT_LABEL_HEIGHT + text + 2 * ROW_GAP + 6
        return END_HEIGHT + 2 * ROW_GAP

    # --- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if self._view.indexWidget(index) is not None:
            return
        entry: Entry = index.data(ENTRY_ROLE)
        area = column(option.rect)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if isinstance(entry, ToolEntry):
            self._paint_card(painter, entry, area)
        elif isinstance(entry, TextEntry):
            self._paint_text(painter, entry, area)
        else:
            self._paint_end(painter, entry, area)
        if index.row() == self.highlighted_row:
            self._paint_highlight(painter, area)
        painter.restore()

    def _paint_highlight(self, painter: QPainter, area: QRect) -> None:
        """A ring around the row a replay or a search result points at."""
        pen = QPen(current().colour("accent"), 2)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        ring = QRectF(area).adjusted(-3, -3, 3, 3)
        painter.drawRoundedRect(ring, CARD_RADIUS + 2, CARD_RADIUS + 2)

    def _paint_text(self, painter: QPainter, entry: TextEntry, area: QRect) -> None:
        fonts = self.fonts()
        painter.setFont(fonts.small)
        painter.setPen(current().colour("muted"))
        label = QRect(area.left() + 4, area.top(), area.width() - 8, TEXT_LABEL_HEIGHT)
        painter.drawText(label, Qt.AlignmentFlag.AlignVCenter,
                         entry.label or f"Agent · step {entry.step}")
        self.text.paint(painter, entry, text_rect(area), fonts.base)

    def _paint_end(self, painter: QPainter, entry: EndEntry, area: QRect) -> None:
        fonts = self.fonts()
        colour = current().status(entry.status)
        box = QRectF(area).adjusted(0.5, 0.5, -0.5, -0.5)
        path = QPainterPath()
        path.addRoundedRect(box, CARD_RADIUS, CARD_RADIUS)
        painter.fillPath(path, current().end_background(entry.status))
        _dot(painter, QPoint(area.left() + 16, area.center().y()), colour)
        painter.setFont(fonts.bold)
        painter.setPen(colour)
        title_rect = QRect(area.left() + 28, area.top(), area.width() - 40, area.height())
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignVCenter, entry.title)
        if entry.detail:
            start = title_rect.left() + QFontMetrics(fonts.bold).horizontalAdvance(entry.title) + 10
            detail_rect = QRect(start, area.top(), area.right() - start - 12, area.height())
            painter.setFont(fonts.base)
            painter.setPen(current().colour("muted"))
            detail = " ".join(entry.detail.split())
            elided = QFontMetrics(fonts.base).elidedText(
                detail, Qt.TextElideMode.ElideRight, detail_rect.width()
            )
            painter.drawText(detail_rect, Qt.AlignmentFlag.AlignVCenter, elided)

    def _paint_card(self, painter: QPainter, entry: ToolEntry, area: QRect) -> None:
        fonts = self.fonts()
        geometry = card_geometry(entry, area, fonts)
        path = QPainterPath()
        path.addRoundedRect(QRectF(geometry.card).adjusted(0.5, 0.5, -0.5, -0.5),
                            CARD_RADIUS, CARD_RADIUS)
        painter.fillPath(path, current().colour("card"))
        painter.save()
        painter.setClipPath(path)
        self._paint_header(painter, entry, geometry.header)
        if geometry.note.height():
            painter.setFont(fonts.small)
            denied = entry.status == "denied"
            painter.setPen(current().status("denied") if denied else current().colour("muted"))
            note = geometry.note.adjusted(28, 0, -14, -4)
            elided = QFontMetrics(fonts.small).elidedText(
                " ".join(entry.note.split()), Qt.TextElideMode.ElideRight, note.width()
            )
            painter.drawText(note, Qt.AlignmentFlag.AlignVCenter, elided)
        if geometry.body.height():
            self._paint_body(painter, entry, geometry)
        if geometry.footer.height():
            painter.fillRect(geometry.footer, current().colour("code_background"))
            painter.setFont(fonts.small)
            painter.setPen(current().colour("accent"))
            count = entry.body.line_count
            label = "Show less" if entry.expanded else f"Show all {count:,} lines"
            painter.drawText(geometry.footer.adjusted(12, 0, -12, -2),
                             Qt.AlignmentFlag.AlignVCenter, label)
        painter.restore()
        painter.setPen(current().colour("border"))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    def _paint_header(self, painter: QPainter, entry: ToolEntry, header: QRect) -> None:
        fonts = self.fonts()
        colour = current().status(entry.status)
        _dot(painter, QPoint(header.left() + 16, header.center().y()), colour)
        has_body = not entry.body.is_empty()
        right = header.right() - (30 if has_body else 12)
        if has_body:
            chevron = "▸" if entry.collapsed else "▾"
            painter.setFont(fonts.base)
            painter.setPen(current().colour("muted"))
            chevron_rect = QRect(right + 6, header.top(), 20, header.height())
            painter.drawText(chevron_rect, Qt.AlignmentFlag.AlignCenter, chevron)
        painter.setFont(fonts.small)
        status_width = QFontMetrics(fonts.small).horizontalAdvance(entry.status_text)
        status_rect = QRect(right - status_width, header.top(), status_width, header.height())
        painter.setPen(colour)
        painter.drawText(status_rect, Qt.AlignmentFlag.AlignVCenter, entry.status_text)
        painter.setFont(fonts.bold)
        painter.setPen(current().colour("text"))
        title = tool_title(entry.name)
        name_width = QFontMetrics(fonts.bold).horizontalAdvance(title)
        name_rect = QRect(header.left() + 28, header.top(), name_width, header.height())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter, title)
        key_left = name_rect.right() + 10
        key_width = status_rect.left() - 14 - key_left
        if entry.key and key_width > 20:
            painter.setFont(fonts.mono)
            painter.setPen(current().colour("muted"))
            key = QFontMetrics(fonts.mono).elidedText(
                entry.key, Qt.TextElideMode.ElideMiddle, key_width
            )
            key_rect = QRect(key_left, header.top(), key_width, header.height())
            painter.drawText(key_rect, Qt.AlignmentFlag.AlignVCenter, key)

    def _paint_body(self, painter: QPainter, entry: ToolEntry, geometry: CardGeometry) -> None:
        fonts = self.fonts()
        body = geometry.body
        painter.fillRect(body, current().colour("code_background"))
        painter.setPen(current().colour("border"))
        painter.drawLine(body.topLeft(), body.topRight())
        visible = body.intersected(self._view.viewport().rect())
        if visible.isEmpty():
            return
        line_height = fonts.line_height
        top = body.top() + BODY_PADDING
        first = max(0, (visible.top() - top) // line_height)
        last = min(geometry.shown_lines, (visible.bottom() - top) // line_height + 1)
        metrics = QFontMetrics(fonts.mono)
        text_width = body.width() - 24
        painter.setFont(fonts.mono)
        lines = entry.body.lines
        for number in range(first, last):
            line = lines[number][:MAX_PAINTED_CHARS].expandtabs(4)
            rect = QRect(body.left() + 12, top + number * line_height, text_width, line_height)
            colour = current().colour("text")
            if entry.body_is_diff:
                colour, background = current().diff(diff_kind(line))
                if background is not None:
                    painter.fillRect(QRect(body.left(), rect.top(), body.width(), line_height),
                                     background)
            elif entry.status in ("error", "denied") and entry.name not in PLAIN_OUTPUT_TOOLS:
                colour = current().status("error")  # the text is the error message itself
            painter.setPen(colour)
            elided = metrics.elidedText(line, Qt.TextElideMode.ElideRight, text_width)
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter, elided)

    # --- clicks -----------------------------------------------------------------------------

    def hit(self, index: Index, rect: QRect, pos: QPoint) -> str | None:
        """"header" or "footer" when `pos` is on a card's clickable part, the link's address
        when it is on a link in the agent's text, else None."""
        entry = index.data(ENTRY_ROLE)
        if isinstance(entry, TextEntry):
            link = self.text.link_at(entry, text_rect(column(rect)), pos, self.fonts().base)
            return link or None
        if not isinstance(entry, ToolEntry) or self._view.indexWidget(index) is not None:
            return None
        geometry = card_geometry(entry, column(rect), self.fonts())
        if geometry.footer.contains(pos):
            return "footer"
        if geometry.header.contains(pos) and not entry.body.is_empty():
            return "header"
        return None

    def editorEvent(self, event: QEvent, model: object, option: QStyleOptionViewItem,
                    index: Index) -> bool:
        if not (isinstance(event, QMouseEvent)
                and event.type() == QEvent.Type.MouseButtonRelease
                and event.button() == Qt.MouseButton.LeftButton):
            return False
        part = self.hit(index, option.rect, event.position().toPoint())
        if part == "footer":
            model.toggle_expanded(index.row())  # type: ignore[attr-defined]
        elif part == "header":
            model.toggle_collapsed(index.row())  # type: ignore[attr-defined]
        elif part is not None:
            self._follow(index.data(ENTRY_ROLE), part)
        return part is not None

    def _follow(self, entry: TextEntry, link: str) -> None:
        """A code block's Copy link copies it; any other link opens in the browser."""
        number = copy_index(link)
        if number is None:
            QDesktopServices.openUrl(QUrl(link))
        elif (code := self.text.code_block(entry, number)) is not None:
            QGuiApplication.clipboard().setText(code)


def text_rect(area: QRect) -> QRect:
    """Where a text row's words go, under its "Agent · step N" label."""
    top = area.top() + TEXT_LABEL_HEIGHT + 3
    return QRect(area.left() + 4, top, area.width() - 8, area.bottom() - top + 1)


def _dot(painter: QPainter, centre: QPoint, colour: object) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawEllipse(centre, 4, 4)
