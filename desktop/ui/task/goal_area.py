"""The goal area: what the agent should do (`goalInput`), where (`workspaceButton`), within
which budget, and `runButton` / `stopButton` / `newTaskButton`.

It has two faces. Composing a new task, everything is editable. Showing a run, the goal is
read-only and the budget is the run's; Stop is there while the run goes on, and "New task"
goes back to composing (the draft is kept). It only emits what the user asked for; the pane
decides what happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.events import Budget
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain_tip
from desktop.ui.widgets.text_input import GrowingTextInput

PLACEHOLDER = "What should the agent do? For example: make the tests pass.  (Ctrl+Enter runs)"
MIN_LINES = 2
MAX_LINES = 8
WORKSPACE_LABEL_PX = 240


def shown_path(path: str) -> str:
    """The path with the home folder as ~, as people write it."""
    home = str(Path.home())
    return "~" + path[len(home):] if path == home or path.startswith(home + "/") else path


class GoalInput(GrowingTextInput):
    """Several lines of plain text; Ctrl+Enter submits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(MIN_LINES, MAX_LINES, 4, parent)
        named(self, "goalInput", "The goal: what the agent should achieve")
        self.setPlaceholderText(PLACEHOLDER)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class GoalArea(QFrame):
    runRequested = Signal()
    stopRequested = Signal()
    newTaskRequested = Signal()
    chooseWorkspaceRequested = Signal()
    recentWorkspaceChosen = Signal(str)
    providerPicked = Signal(str)
    modelPicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "goalArea", "The goal, the workspace and the budget of a run")
        self.goal_input = GoalInput()
        self.workspace_button = named(QToolButton(), "workspaceButton",
                                      "The folder the agent works in; the arrow lists recent ones")
        self.recent_menu = QMenu(self.workspace_button)
        self.budget_label = named(QLabel("Budget"), "budgetLabel")
        self.steps_input = named(QSpinBox(), "maxStepsInput", "Most model turns the run may take")
        self.cost_input = named(QDoubleSpinBox(), "maxCostInput",
                                "Most the run may cost, in US dollars (estimated)")
        self.wall_input = named(QSpinBox(), "maxWallInput", "Longest the run may take, in minutes")
        self.budget_summary = named(QLabel(), "budgetSummary", "The budget this run was given")
        self.provider_picker = named(QComboBox(), "runProviderPicker",
                                     "The provider profile the next run talks to")
        self.model_picker = named(QComboBox(), "runModelPicker", "The model of the next run")
        self.run_button = named(QPushButton("Run"), "runButton", "Start the agent (Ctrl+Enter)")
        self.stop_button = named(QPushButton("Stop"), "stopButton",
                                 "Stop the run; a running command is killed")
        self.new_task_button = named(QPushButton("New task"), "newTaskButton",
                                     "Write a new goal; runs under way carry on")
        self._build()
        self.goal_input.submitted.connect(self.on_submitted)
        self.run_button.clicked.connect(self.runRequested)
        self.stop_button.clicked.connect(self.stopRequested)
        self.new_task_button.clicked.connect(self.newTaskRequested)
        self.workspace_button.clicked.connect(self.chooseWorkspaceRequested)
        self.recent_menu.triggered.connect(self.on_recent_triggered)
        self.provider_picker.textActivated.connect(self.providerPicked)
        self.model_picker.textActivated.connect(self.modelPicked)
        self.set_workspace("")
        self.set_recent(())

    def _build(self) -> None:
        button = self.workspace_button
        button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon))
        button.setIconSize(QSize(16, 16))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        button.setMenu(self.recent_menu)
        for spin in (self.steps_input, self.cost_input, self.wall_input):
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)  # type, wheel, ↑/↓
        self.steps_input.setRange(1, 1000)
        self.steps_input.setSuffix(" steps")
        self.cost_input.setRange(0.01, 10_000.0)
        self.cost_input.setDecimals(2)
        self.cost_input.setPrefix("$")
        self.wall_input.setRange(1, 24 * 60)
        self.wall_input.setSuffix(" min")
        self.run_button.setDefault(True)
        for push in (self.run_button, self.stop_button, self.new_task_button):
            push.setCursor(Qt.CursorShape.PointingHandCursor)
        for picker in (self.provider_picker, self.model_picker):
            picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.workspace_button)
        row.addSpacing(8)
        row.addWidget(self.budget_label)
        row.addWidget(self.steps_input)
        row.addWidget(self.cost_input)
        row.addWidget(self.wall_input)
        row.addWidget(self.budget_summary)
        row.addSpacing(8)
        row.addWidget(self.provider_picker)
        row.addWidget(self.model_picker)
        row.addStretch(1)
        row.addWidget(self.new_task_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.goal_input)
        layout.addLayout(row)

    # --- what the pane sets -----------------------------------------------------------------

    def set_workspace(self, path: str) -> None:
        text = shown_path(path) if path else "Choose workspace…"
        metrics = self.workspace_button.fontMetrics()
        self.workspace_button.setText(
            metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, WORKSPACE_LABEL_PX)
        )
        self.workspace_button.setToolTip(
            f"Workspace: {path}\nClick to choose another folder; the arrow lists recent ones"
            if path else "Choose the folder the agent works in"
        )

    def set_recent(self, paths: Sequence[str]) -> None:
        self.recent_menu.clear()
        for path in paths:
            action = self.recent_menu.addAction(shown_path(path))
            action.setData(path)
            action.setToolTip(plain_tip(path))
        if not paths:
            self.recent_menu.addAction("No recent workspaces").setEnabled(False)

    def set_choices(self, picker: QComboBox, items: Sequence[str], current: str) -> None:
        """Refill a picker without it counting as the user's choice."""
        picker.blockSignals(True)
        picker.clear()
        picker.addItems(list(items))
        picker.setCurrentText(current)
        picker.blockSignals(False)

    def set_budget(self, budget: Budget) -> None:
        self.steps_input.setValue(budget.max_steps)
        self.cost_input.setValue(budget.max_cost_usd)
        self.wall_input.setValue(max(1, round(budget.max_wall_s / 60)))

    def budget(self) -> Budget:
        return Budget(
            max_steps=self.steps_input.value(),
            max_cost_usd=self.cost_input.value(),
            max_wall_s=self.wall_input.value() * 60.0,
        )

    def goal(self) -> str:
        return self.goal_input.toPlainText()

    def compose(self, draft: str) -> None:
        """Editable, for a new task."""
        self.goal_input.setReadOnly(False)
        self.goal_input.setPlainText(draft)
        self._show_budget_inputs(True)
        self.budget_label.show()
        self.provider_picker.show()
        self.model_picker.show()
        self.workspace_button.setEnabled(True)
        self.run_button.show()
        self.stop_button.hide()
        self.stop_button.setEnabled(False)
        self.new_task_button.hide()
        self._repolish()
        if self.isVisible():  # never pull focus into a tab the user is not looking at
            self.goal_input.setFocus()

    def show_run(self, goal: str, workspace: str, budget: Budget | None, running: bool) -> None:
        """Read-only, for a run under way (with Stop) or one that has ended."""
        self.goal_input.setReadOnly(True)
        self.goal_input.setPlainText(goal)
        self.set_workspace(workspace)
        self.workspace_button.setEnabled(False)
        self._show_budget_inputs(False)
        self.provider_picker.hide()
        self.model_picker.hide()
        self.budget_label.setVisible(budget is not None)
        if budget is not None:
            self.budget_summary.setText(budget.text())
        self.run_button.hide()
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(running)
        self.new_task_button.show()
        self._repolish()

    def set_starting(self, starting: bool) -> None:
        """Say that Run was pressed and the run is about to start."""
        self.run_button.setEnabled(not starting)
        self.run_button.setText("Starting…" if starting else "Run")

    @property
    def composing(self) -> bool:
        return not self.goal_input.isReadOnly()

    # --- slots ------------------------------------------------------------------------------

    def on_submitted(self) -> None:
        if self.composing:
            self.runRequested.emit()

    def on_recent_triggered(self, action: object) -> None:
        path = action.data()  # type: ignore[attr-defined]
        if path:
            self.recentWorkspaceChosen.emit(path)

    def _show_budget_inputs(self, editable: bool) -> None:
        """Spin boxes while composing; the run's budget as text while showing a run."""
        for widget in (self.steps_input, self.cost_input, self.wall_input):
            widget.setVisible(editable)
        self.budget_summary.setVisible(not editable)

    def _repolish(self) -> None:
        """Re-apply the style sheet: the goal's look depends on its read-only state."""
        style = self.goal_input.style()
        style.unpolish(self.goal_input)
        style.polish(self.goal_input)
