"""A message's text on screen: a column of rich-text labels, one per chunk of the text.

Laying out a 20,000-character reply takes ~150 ms, and a streaming reply is re-rendered every
50 ms, so the text is cut into chunks of about `CHUNK_CHARS` (see `render_chunks`). While a
reply grows only its last chunk is parsed, rendered and laid out again; the chunks before it
stay as they are.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.ui.render import Chunk, CodeTheme, code_theme, normalized, render_chunks
from desktop.ui.text_label import TextLabel


class MessageText(QWidget):
    """Shows text as Markdown or verbatim; re-emits the labels' link clicks."""

    linkActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chunks: list[Chunk] = []
        self._theme: CodeTheme | None = None
        self.labels: list[TextLabel] = []
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(0)

    @property
    def code_blocks(self) -> tuple[str, ...]:
        """The raw code of every block, indexed as the `copy:N` links number them."""
        return tuple(code for chunk in self._chunks for code in chunk.rendered.code_blocks)

    def show_text(self, text: str, *, markdown: bool) -> None:
        """Render `text`, reusing the chunks of the previous text it still starts with."""
        text = normalized(text)
        kept = self._stable_chunks(text)
        start = sum(len(chunk.source) for chunk in kept)
        first_code_block = sum(len(chunk.rendered.code_blocks) for chunk in kept)
        fresh = render_chunks(text[start:], markdown=markdown, first_code_block=first_code_block)
        self._chunks = kept + fresh
        self._theme = code_theme()
        self._show([chunk.rendered.html for chunk in self._chunks], first=len(kept))

    def show_html(self, html: str) -> None:
        """Show ready-made HTML (a placeholder), forgetting the text."""
        self._chunks = []
        self._show([html], first=0)

    def _stable_chunks(self, text: str) -> list[Chunk]:
        """The chunks `text` still starts with, but not the last: it may have grown."""
        if self._theme is not code_theme():  # rendered in other colours: render all again
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
        """Give each label its HTML, from `first` on; add or drop labels to match."""
        while len(self.labels) < len(htmls):
            label = TextLabel()
            label.setObjectName("messageBody")
            label.linkActivated.connect(self.linkActivated)
            self._column.addWidget(label)
            label.show()  # now, not when the layout's queued show arrives
            self.labels.append(label)
        for label in self.labels[len(htmls) :]:
            label.hide()
            label.deleteLater()
        del self.labels[len(htmls) :]
        for label, html in zip(self.labels[first:], htmls[first:], strict=True):
            if label.text() != html:
                label.setText(html)
