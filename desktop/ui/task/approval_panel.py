"""The card of a call waiting for approval: exactly what would happen, and the three answers.

It stands in for the painted card of the pending call (the timeline places it as the row's
index widget), so the question appears where the call is, in the run's flow. The preview is
the command to run or the diff to write, coloured like the cards. Answering disables the
buttons at once; the run's ApprovalResolved event then removes the panel.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.task.timeline.delegate import COLUMN_WIDTH, ROW_GAP, SIDE_MARGIN, Fonts
from desktop.ui.task.timeline.model import DIFF_TOOLS, ToolEntry
from desktop.ui.theme.palette import DIFF_HUES, current
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain, plain_tip
from desktop.ui.widgets.run_format import diff_kind, tool_title

MAX_PREVIEW_LINES = 16
QUESTIONS = {
    "run_command": "Run this command in the workspace?",
    "edit_file": "Apply this change?",
    "write_file": "Write this file?",
}


class DiffHighlighter(QSyntaxHighlighter):
    """Colours a unified diff: + green, − red, @@ cyan, file names grey."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        for kind in DIFF_HUES:
            colour, background = current().diff(kind)
            text_format = QTextCharFormat()
            text_format.setForeground(colour)
            if background is not None:
                text_format.setBackground(background)
            self._formats[kind] = text_format

    def highlightBlock(self, text: str) -> None:
        self.setFormat(0, len(text), self._formats[diff_kind(text)])


class ApprovalPanel(QWidget):
    """Approve, always allow the tool for this run, or deny with an optional reason."""

    answered = Signal(str, bool, bool, str)
    """(call id, allow, always, reason)"""

    def __init__(self, entry: ToolEntry, fonts: Fonts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "approvalPanel", "A tool call waits for your approval")
        self.call_id = entry.call_id
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.preview = named(QPlainTextEdit(entry.preview.rstrip("\n")), "approvalPreview",
                             "What approving would do")
        self.reason_input = named(QLineEdit(), "denyReasonInput",
                                  "Why you deny the call (optional); the agent reads it")
        # Alt+A, Alt+W and Alt+D answer from the keyboard (deliberate chords: a key typed
        # elsewhere while the question appears must never answer it).
        self.approve_button = named(QPushButton("&Approve"), "approveButton",
                                    "Let this call run once (Alt+A)")
        self.always_button = named(QPushButton(f"Al&ways allow {entry.name}"), "alwaysButton",
                                   f"Allow {entry.name} without asking for the rest of this run "
                                   "(Alt+W)")
        self.deny_button = named(QPushButton("&Deny"), "denyButton",
                                 "Refuse this call; the agent is told, with your reason (Alt+D)")
        self._build(entry, fonts)
        self.approve_button.clicked.connect(self.on_approve)
        self.always_button.clicked.connect(self.on_always)
        self.deny_button.clicked.connect(self.on_deny)
        self.reason_input.returnPressed.connect(self.on_deny)

    def _build(self, entry: ToolEntry, fonts: Fonts) -> None:
        title = plain(named(QLabel(tool_title(entry.name)), "approvalTitle"))
        key = plain(named(QLabel(), "approvalKey"))
        key.setFont(fonts.mono)
        key.setText(QFontMetrics(fonts.mono).elidedText(entry.key, Qt.TextElideMode.ElideMiddle,
                                                        COLUMN_WIDTH - 320))
        key.setToolTip(plain_tip(entry.key))
        state = named(QLabel("waiting for your approval"), "approvalState")
        question = named(QLabel(QUESTIONS.get(entry.name, f"Allow this {entry.name} call?")),
                         "approvalQuestion")
        self._build_preview(entry, fonts)
        self.reason_input.setPlaceholderText("Reason, if you deny (optional; the agent reads it)")
        self.approve_button.setDefault(True)
        for button in (self.approve_button, self.always_button, self.deny_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
        head = QHBoxLayout()
        head.setSpacing(10)
        head.addWidget(title)
        head.addWidget(key, 1)
        head.addWidget(state)
        answers = QHBoxLayout()
        answers.setSpacing(8)
        answers.addWidget(self.reason_input, 1)
        answers.addWidget(self.deny_button)
        answers.addWidget(self.always_button)
        answers.addWidget(self.approve_button)
        card = named(QFrame(), "approvalCard")
        card.setMaximumWidth(COLUMN_WIDTH)
        card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(14, 10, 14, 12)
        inner.setSpacing(8)
        inner.addLayout(head)
        inner.addWidget(question)
        inner.addWidget(self.preview)
        inner.addLayout(answers)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(SIDE_MARGIN, ROW_GAP, SIDE_MARGIN, ROW_GAP)
        outer.addStretch(0)
        outer.addWidget(card, 1)
        outer.addStretch(0)

    def _build_preview(self, entry: ToolEntry, fonts: Fonts) -> None:
        preview = self.preview
        preview.setReadOnly(True)
        preview.setFont(fonts.mono)
        preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        preview.setFrameShape(QFrame.Shape.NoFrame)
        if entry.name in DIFF_TOOLS:
            self.highlighter = DiffHighlighter(preview.document())
            self.highlighter.rehighlight()  # now, not on the next turn of the event loop
        lines = min(max(1, len(entry.preview.rstrip("\n").splitlines())), MAX_PREVIEW_LINES)
        margins = preview.contentsMargins()
        document_margin = 2 * int(preview.document().documentMargin())
        height = lines * QFontMetrics(fonts.mono).lineSpacing() + document_margin + 10
        preview.setFixedHeight(height + margins.top() + margins.bottom())

    def _answer(self, allow: bool, always: bool) -> None:
        for button in (self.approve_button, self.always_button, self.deny_button):
            button.setEnabled(False)
        reason = "" if allow else self.reason_input.text().strip()
        self.answered.emit(self.call_id, allow, always, reason)

    def on_approve(self) -> None:
        self._answer(allow=True, always=False)

    def on_always(self) -> None:
        self._answer(allow=True, always=True)

    def on_deny(self) -> None:
        self._answer(allow=False, always=False)
