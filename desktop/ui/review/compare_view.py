"""Compare two runs side by side: goal, outcome, steps, tools used, tokens, cost, time, files.

A non-modal dialog with a run picker over each column (`compareLeft`, `compareRight`) and the
table (`compareView`); the run it was opened from is on the left, its parent (for a fork) or
the run before it on the right. It reads summaries through the review controller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain_tip
from desktop.ui.widgets.run_format import clock, cost, tokens

if TYPE_CHECKING:
    from desktop.core.review.run_summary import RunSummary
    from desktop.core.store.database import Run

MAX_HEIGHT = 640
CHROME_HEIGHT = 130
"""The pickers, the table's header and the Close button."""
ROWS = ("Goal", "Outcome", "Steps", "Tools used", "Tokens in / out", "Cost", "Time",
        "Files changed")


class SummarySource(Protocol):
    def runs(self) -> list[Run]: ...

    def summary(self, run_id: int) -> RunSummary | None: ...


def cells(summary: RunSummary) -> list[str]:
    """The summary as the table's rows say it."""
    outcome = summary.status.replace("_", " ")
    said = " ".join(summary.outcome.split()).removeprefix(f"{outcome}: ")
    if said:
        outcome += f": {said}"
    tools = ", ".join(f"{name} ×{count}" for name, count in summary.tools.items()) or "none"
    duration = clock(summary.duration_s) if summary.duration_s is not None else "–"
    files = "\n".join(summary.files_changed) or "none"
    return [
        summary.goal, outcome, str(summary.steps), tools,
        f"{tokens(summary.input_tokens)} / {tokens(summary.output_tokens)}",
        cost(summary.cost_usd), duration, files,
    ]


def partner(run_id: int, runs: list[Run]) -> int | None:
    """Whom to compare a run with first: its parent if it is a fork, else the run before it."""
    ids = [run.id for run in runs]
    this = next((run for run in runs if run.id == run_id), None)
    if this is not None and this.parent_run_id in ids:
        return this.parent_run_id
    others = [i for i in ids if i != run_id]
    older = [i for i in others if i < run_id]
    return (older or others or [None])[0]


class CompareDialog(QDialog):
    def __init__(self, source: SummarySource, run_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare runs")
        self.resize(860, 460)
        self.source = source
        runs = source.runs()
        self.left = named(QComboBox(), "compareLeft", "The run in the left column")
        self.right = named(QComboBox(), "compareRight", "The run in the right column")
        for combo in (self.left, self.right):
            for run in runs:
                combo.addItem(f"#{run.id} · {' '.join(run.goal.split())[:60]}", run.id)
        self.left.setCurrentIndex(max(0, self.left.findData(run_id)))
        self.right.setCurrentIndex(max(0, self.right.findData(partner(run_id, runs))))
        self.table = named(QTableWidget(len(ROWS), 2), "compareView",
                           "Two runs side by side")
        self.table.setVerticalHeaderLabels(list(ROWS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet(
            "QTableWidget::item, QHeaderView::section { padding: 4px 8px; }")
        self.table.verticalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        pickers = QHBoxLayout()
        pickers.addWidget(self.left, 1)
        pickers.addWidget(self.right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.left.currentIndexChanged.connect(self.on_runs_picked)
        self.right.currentIndexChanged.connect(self.on_runs_picked)
        self.on_runs_picked()

    def on_runs_picked(self, *_args: object) -> None:
        for column, combo in enumerate((self.left, self.right)):
            run_id = combo.currentData()
            summary = self.source.summary(run_id) if run_id is not None else None
            values = cells(summary) if summary is not None else [""] * len(ROWS)
            header = QTableWidgetItem(combo.currentText().split(" · ")[0])
            self.table.setHorizontalHeaderItem(column, header)
            for row, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(plain_tip(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(row) for row in range(len(ROWS)))
        self.resize(self.width(), min(MAX_HEIGHT, rows + CHROME_HEIGHT))

    def column(self, index: int) -> list[str]:
        """What one column shows, top to bottom."""
        return [self.table.item(row, index).text() for row in range(len(ROWS))]
