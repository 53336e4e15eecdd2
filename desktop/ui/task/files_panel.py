"""The files panel: each file a run touched (by tools and commands alike) with +/- counts, and
the selected file's diff; and the words of a rewind's question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.task.approval_panel import DiffHighlighter
from desktop.ui.widgets.naming import named

if TYPE_CHECKING:
    from desktop.core.checkpoints.rewind import RewindPlan
    from desktop.core.checkpoints.touched import TouchedFile

SHOWN_PATHS = 12
STATUS_WORDS = {"created": "new", "modified": "changed", "deleted": "deleted"}


def file_line(touched: TouchedFile) -> str:
    """"calc.py · changed · +1 −1" (or why there are no counts)."""
    counts = touched.note or f"+{touched.added} −{touched.removed}"
    return f"{touched.path} · {STATUS_WORDS[touched.status]} · {counts}"


def rewind_question(plan: RewindPlan, where: str) -> str:
    """What a rewind will do, for the user to agree to."""
    lines = [f"Put the workspace back as it was {where}:"]
    lines += _listed("Restored", [c.path for c in plan.restore])
    lines += _listed("Changed since the run (kept, unless you overwrite them)",
                     [c.path for c in plan.conflicts])
    lines += _listed("Cannot be restored (content not kept)", list(plan.lost))
    lines.append("The rewind is recorded in the run; rewinding to it undoes it.")
    return "\n\n".join(lines)


def _listed(title: str, paths: list[str]) -> list[str]:
    if not paths:
        return []
    shown = "\n".join(f"  {p}" for p in paths[:SHOWN_PATHS])
    more = f"\n  … and {len(paths) - SHOWN_PATHS} more" if len(paths) > SHOWN_PATHS else ""
    return [f"{title}:\n{shown}{more}"]


class FilesDialog(QDialog):
    """`touchedFiles` on the left; the selected file's diff (`fileDiff`) on the right."""

    def __init__(self, title: str, files: list[TouchedFile], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        named(self, "filesDialog", "The files the run changed, with their diffs")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.files = files
        self.file_list = named(QListWidget(), "touchedFiles", "Files the run changed")
        self.diff_view = named(QPlainTextEdit(), "fileDiff", "The file's change over the run")
        self.diff_view.setReadOnly(True)
        self.diff_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._highlighter = DiffHighlighter(self.diff_view.document())
        for touched in files:
            self.file_list.addItem(QListWidgetItem(file_line(touched)))
        if not files:
            self.diff_view.setPlainText("No file changed by then.")
        splitter = QSplitter()
        splitter.addWidget(self.file_list)
        splitter.addWidget(self.diff_view)
        splitter.setSizes([260, 620])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.file_list.currentRowChanged.connect(self.on_file_chosen)
        self.file_list.setCurrentRow(0)
        self.resize(900, 560)

    def on_file_chosen(self, row: int) -> None:
        if 0 <= row < len(self.files):
            touched = self.files[row]
            self.diff_view.setPlainText(touched.diff or f"({touched.note})")
