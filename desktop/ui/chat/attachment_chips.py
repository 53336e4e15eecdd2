"""Attached files as chips: a thumbnail (images) or a file mark, the name and the size.

`AttachmentList` (`attachmentList`) shows the files waiting in the composer, each removable;
message cards show the files a message carried with the same chips, without the remove button.
Chips wrap onto more lines as needed (`FlowLayout`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.chat.attachments import MARKER, size_text
from desktop.core.model.blocks import ImageBlock, TextBlock, parse_block
from desktop.ui.widgets.rich_text import plain, plain_tip

THUMBNAIL_PX = 36
CARD_THUMBNAIL_PX = 96
NAME_PX = 160
SPACING = 6


class FlowLayout(QLayout):
    """Lays widgets out left to right, wrapping onto a new line when the row is full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place the items (or only measure, with move=False); the height they take."""
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + SPACING, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + SPACING
            line = max(line, hint.height())
        return y + line - rect.y()


def image_of(block: ImageBlock) -> QImage:
    """The picture in an image block (a null image when the data is damaged)."""
    try:
        data = base64.b64decode(block.source.get("data", ""), validate=True)
    except (binascii.Error, ValueError):
        return QImage()
    return QImage.fromData(data)


class AttachmentChip(QFrame):
    """One attached file; `removable` adds the × that emits `removeRequested`."""

    removeRequested = Signal()

    def __init__(
        self, block: dict[str, Any], *, removable: bool, thumbnail_px: int = THUMBNAIL_PX,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentChip")
        parsed = parse_block(block)
        info = block[MARKER]
        self.name = str(info["name"])
        self.setToolTip(plain_tip(f"{self.name} ({size_text(int(info['size']))})"))
        self.preview = QLabel()
        self.preview.setObjectName("attachmentPreview")
        image = image_of(parsed) if isinstance(parsed, ImageBlock) else QImage()
        if image.isNull():
            self.preview.setText("TXT" if isinstance(parsed, TextBlock) else "IMG")
            self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.preview.setFixedSize(THUMBNAIL_PX, THUMBNAIL_PX)
        else:
            scaled = image.scaled(
                thumbnail_px, thumbnail_px, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self.preview.setPixmap(QPixmap.fromImage(scaled))
        name = plain(QLabel(self.fontMetrics().elidedText(self.name, Qt.TextElideMode.ElideMiddle,
                                                    NAME_PX)))
        name.setObjectName("attachmentName")
        size = QLabel(size_text(int(info["size"])))
        size.setObjectName("attachmentSize")
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(name)
        text.addWidget(size)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 6, 4)
        row.setSpacing(8)
        row.addWidget(self.preview)
        row.addLayout(text)
        if removable:
            remove = QToolButton()
            remove.setObjectName("removeAttachmentButton")
            remove.setAccessibleName(f"Remove {self.name}")
            remove.setToolTip(plain_tip(f"Remove {self.name}"))
            remove.setText("×")
            remove.clicked.connect(self.removeRequested)
            row.addWidget(remove)


class AttachmentList(QWidget):
    """`attachmentList`: the files waiting to be sent with the next message."""

    removeRequested = Signal(int)
    """(index) the user removed that file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentList")
        self.setAccessibleName("attachmentList")
        self.chips: list[AttachmentChip] = []
        self._flow = FlowLayout(self)
        self.hide()

    def show_blocks(self, blocks: list[dict[str, Any]]) -> None:
        """Show these files (and nothing else)."""
        for chip in self.chips:
            self._flow.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        for index, block in enumerate(blocks):
            chip = AttachmentChip(block, removable=True)
            chip.removeRequested.connect(lambda index=index: self.removeRequested.emit(index))
            self._flow.addWidget(chip)
            self.chips.append(chip)
        self.setVisible(bool(blocks))
        self.updateGeometry()


def card_chips(blocks: list[dict[str, Any]]) -> QWidget:
    """The files a stored message carried, for its card: bigger thumbnails, no remove."""
    holder = QWidget()
    holder.setObjectName("messageAttachments")
    flow = FlowLayout(holder)
    for block in blocks:
        flow.addWidget(AttachmentChip(block, removable=False, thumbnail_px=CARD_THUMBNAIL_PX))
    return holder
