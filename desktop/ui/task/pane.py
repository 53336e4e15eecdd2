"""The task pane: the goal area, the plan, the timeline of events and the status line.

It renders runs and sends the user's intents to the `TaskController`; it holds no agent logic.
Every run it hears about gets a `RunState` fed with the run's events (live ones as they come,
stored ones from the database when first shown), so switching runs swaps which state is on
screen and runs in the background stay current. States of ended runs are kept for the few
most recently shown. A run starts once the SDK has loaded in the background (the first one
may wait a moment for it), never by importing it on the UI thread. The workspace chooser is
injectable (`choose_folder`) so tests pick a folder without a native dialog.

A run that has ended gets the replay bar: the timeline, plan and totals as they stood after
any of its events (see replay.py), and a fork from there with an edited instruction
(`ask_instruction`, injectable too). Export, Compare and the provider go up to the window as
intent signals; `wiring.wire` connects the pane, its controller and the run list.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import settings
from desktop.core.demo.sample_project import GOAL, fresh_copy
from desktop.core.events import Budget, RunEvent
from desktop.ui.shell.sdk_import import sdk_ready, start_sdk_import
from desktop.ui.shell.settings_store import SettingsStore
from desktop.ui.task.controller import TaskController
from desktop.ui.task.follow_up import FollowUpBar
from desktop.ui.task.goal_area import GoalArea
from desktop.ui.task.intro import TaskIntro
from desktop.ui.task.plan_view import PlanView
from desktop.ui.task.replay import Replay
from desktop.ui.task.replay_actions import ReplayActions
from desktop.ui.task.replay_bar import ReplayBar
from desktop.ui.task.run_state import RunState
from desktop.ui.task.status_line import StatusLine
from desktop.ui.task.timeline.delegate import COLUMN_WIDTH, SIDE_MARGIN
from desktop.ui.task.timeline.view import TimelineView
from desktop.ui.theme.palette import current
from desktop.ui.theme.task_sheet import pane_sheet
from desktop.ui.widgets import dialogs
from desktop.ui.widgets.columns import centred
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain

KEPT_ENDED_STATES = 6
NEW_TASK = -1


class TaskPane(QWidget):
    """Agent mode: state a goal, watch the run, approve or deny, stop."""

    runShown = Signal(int)
    """The run now on screen, or NEW_TASK (-1) while composing a new task."""
    exportRequested = Signal(int)
    compareRequested = Signal(int)
    providerPicked = Signal(str)
    """The provider runs started from here talk to."""

    def __init__(
        self,
        *,
        choose_folder: dialogs.FolderChooser = dialogs.ask_for_folder,
        settings_store: SettingsStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "taskPane", "Agent mode: give a goal, watch and approve the run")
        self.setStyleSheet(pane_sheet(current()))
        self.choose_folder = choose_folder
        self.ask_instruction: dialogs.InstructionAsker = dialogs.ask_instruction
        self.replay_actions = ReplayActions(self, lambda: self.controller)
        self.store = settings_store or SettingsStore(self)
        self.settings = self.store.current
        self.controller: TaskController | None = None
        self.states: OrderedDict[int, RunState] = OrderedDict()
        self.shown: RunState | None = None
        self.workspace = next((p for p in self.settings.recent_workspaces if Path(p).is_dir()), "")
        self._draft = ""
        self._starting: asyncio.Future[None] | None = None
        self._compose_budget = Budget(
            max_steps=self.settings.max_steps,
            max_cost_usd=self.settings.max_cost_usd,
            max_wall_s=self.settings.max_wall_s,
        )
        self.goal_area = GoalArea()
        self.error_label = plain(named(QLabel(), "taskError"))
        self.plan_header = named(QLabel(), "planHeader")
        self.plan_view = PlanView()
        self.timeline = TimelineView()
        self.intro = TaskIntro()
        self.demo_button = self.intro.demo_button
        self.stack = named(QStackedWidget(), "taskStack")
        self.status_line = StatusLine()
        self.replay_bar = ReplayBar()
        self.follow_up = FollowUpBar()
        self._build()
        self._connect_signals()
        self.show_new_task()

    def _build(self) -> None:
        self.error_label.hide()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack.addWidget(self.intro)
        self.stack.addWidget(self.timeline)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = (self.goal_area, self.error_label, self.plan_header, self.plan_view)
        side = SIDE_MARGIN
        layout.addLayout(centred(*top, width=COLUMN_WIDTH, margins=(side, 14, side, 8)))
        layout.addWidget(named(QFrame(), "taskDivider"))
        layout.addWidget(self.stack, 1)
        bottom = (self.replay_bar, self.follow_up, self.status_line)
        layout.addLayout(centred(*bottom, width=COLUMN_WIDTH, margins=(side, 0, side, 10)))
        self.replay_bar.hide()
        self.follow_up.hide()

    def _connect_signals(self) -> None:
        area = self.goal_area
        area.runRequested.connect(self.on_run_requested)
        area.stopRequested.connect(self.on_stop_requested)
        area.newTaskRequested.connect(self.show_new_task)
        area.chooseWorkspaceRequested.connect(self.on_choose_workspace)
        area.recentWorkspaceChosen.connect(self.set_workspace)
        self.timeline.approvalAnswered.connect(self.on_approval_answered)
        self.replay_bar.stateChosen.connect(self.on_replay_moved)
        self.replay_bar.forkRequested.connect(self.on_fork_requested)
        self.replay_bar.sentRequested.connect(self.replay_actions.show_sent)
        self.replay_bar.filesRequested.connect(self.replay_actions.show_files)
        self.status_line.filesRequested.connect(self.replay_actions.show_files)
        self.replay_bar.rewindRequested.connect(self.replay_actions.rewind)
        self.replay_actions.rewound.connect(self.on_run_rewound)
        self.follow_up.continueRequested.connect(self.on_continue_requested)
        self.demo_button.clicked.connect(self.on_try_demo)
        self.timeline.stepKeyPressed.connect(self.replay_bar.on_step)
        self.replay_bar.exportRequested.connect(self.exportRequested)
        self.replay_bar.compareRequested.connect(self.compareRequested)
        area.providerPicked.connect(self.providerPicked)

    def on_models_loaded(self, models: list[str]) -> None:
        if self.controller is not None:
            self.goal_area.set_choices(self.goal_area.model_picker, models, self.controller.model)

    # --- what is on screen --------------------------------------------------------------------

    @property
    def run_id(self) -> int | None:
        """The run on screen, or None while composing a new task."""
        return self.shown.run_id if self.shown is not None else None

    def show_run(self, run_id: int, at_seq: int | None = None) -> None:
        """Show a run: live if it is under way, else as the store has it (replayed to its event
        `at_seq`, if given)."""
        if run_id == NEW_TASK:
            self.show_new_task()
            return
        self.replay_bar.leave()
        self.follow_up.hide()
        state = self.states.get(run_id)
        if state is None:
            state = self._load(run_id)
        if state is None:
            return
        self.states.move_to_end(run_id)
        self._leave_compose()
        self._set_shown(state)
        controller = self.controller
        assert controller is not None
        running = controller.is_running(run_id)
        budget = controller.budget(run_id) or state.budget
        self.goal_area.show_run(state.goal, state.workspace, budget, running)
        self.timeline.show_timeline(state.timeline)
        self.stack.setCurrentWidget(self.timeline)
        self.on_plan_changed()
        self._forget_ended()
        if not state.live:
            self._start_replay(state, at_seq)
        self.runShown.emit(run_id)

    def compose_goal(self, goal: str) -> None:
        """Start a new task with `goal` written out (a chat promoted to a task)."""
        self._draft = goal
        self.show_new_task()

    def show_new_task(self) -> None:
        """Compose a new task; runs under way carry on in the background."""
        self.replay_bar.leave()
        self.follow_up.hide()
        self._set_shown(None)
        area = self.goal_area
        area.compose(self._draft)
        area.set_workspace(self.workspace)
        area.set_recent(self.settings.recent_workspaces)
        area.set_budget(self._compose_budget)
        self.timeline.show_timeline(None)
        self.stack.setCurrentWidget(self.intro)
        self.plan_header.hide()
        self.plan_view.hide()
        self.runShown.emit(NEW_TASK)

    def set_workspace(self, path: str) -> bool:
        """Use `path` for the next run; False (and an error on screen) if it is not a folder."""
        folder = Path(path).expanduser()
        if not folder.is_dir():
            self.show_error(f"“{path}” is not a folder: it may have been moved or deleted.")
            return False
        self.workspace = str(folder.resolve())
        self.goal_area.set_workspace(self.workspace)
        self._remember_workspace(self.workspace)
        self.clear_error()
        return True

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def focus_goal(self) -> None:
        self.goal_area.goal_input.setFocus()

    def restyle(self) -> None:
        """The theme changed: the pane's sheet, the plan's icons and the cards in its colours."""
        self.setStyleSheet(pane_sheet(current()))
        self.on_plan_changed()
        self.timeline.viewport().update()

    def set_providers(self, names: list[str], current: str) -> None:
        self.goal_area.set_choices(self.goal_area.provider_picker, names, current)

    def use_defaults(self, defaults: settings.Settings) -> None:
        """Settings were saved: their budgets are the next task's, and saving the recent
        workspaces starts from them (not from the settings the pane was built with)."""
        self.settings = defaults
        self._compose_budget = Budget(
            max_steps=defaults.max_steps,
            max_cost_usd=defaults.max_cost_usd,
            max_wall_s=defaults.max_wall_s,
        )
        if self.goal_area.composing:
            self.goal_area.set_budget(self._compose_budget)

    # --- slots: the user ----------------------------------------------------------------------

    def on_run_requested(self) -> None:
        if self.controller is None or self._starting is not None:
            return
        if not self.workspace:
            self.show_error("Choose the folder the agent may work in first (the folder button).")
            return
        goal = self.goal_area.goal().strip()
        if problem := self.controller.problem(goal, self.workspace):
            self.show_error(problem)
            return
        self.clear_error()
        self._start_soon(goal, self.workspace, self.goal_area.budget())

    def _start_soon(
        self, goal: str, workspace: str, budget: Budget, fork_of: tuple[int, int] | None = None
    ) -> None:
        """Start now, or once the SDK has loaded in the background (importing it here would
        freeze the UI). `fork_of` is (run id, event seq) for a fork."""
        if start_sdk_import().is_set():
            self._start(goal, workspace, budget, fork_of)
        else:
            self.goal_area.set_starting(True)
            self._starting = asyncio.ensure_future(
                self._start_when_ready(goal, workspace, budget, fork_of)
            )

    async def _start_when_ready(
        self, goal: str, workspace: str, budget: Budget, fork_of: tuple[int, int] | None
    ) -> None:
        try:
            await sdk_ready()
        finally:
            self._starting = None
            self.goal_area.set_starting(False)
        self._start(goal, workspace, budget, fork_of)

    def _start(
        self, goal: str, workspace: str, budget: Budget, fork_of: tuple[int, int] | None
    ) -> None:
        assert self.controller is not None
        if fork_of is None:
            run_id = self.controller.start(goal, workspace, budget)
        else:
            run_id = self.controller.fork(*fork_of, goal, budget)
        if run_id is None:
            return
        self._remember_workspace(workspace)
        self._compose_budget = budget
        if fork_of is None:
            self.goal_area.goal_input.clear()
        self.show_run(run_id)

    def on_fork_requested(self) -> None:
        """Fork the replayed run where the replay stands, with an instruction the user edits."""
        replay = self.replay_bar.replay
        if replay is None or self.controller is None or self._starting is not None:
            return
        run, seq = replay.run, replay.position
        explanation = (
            f"The new run starts from run #{run.id} as it stood at event {seq} (step "
            f"{replay.step()}): the model is sent its conversation up to there, then this:"
        )
        instruction = self.ask_instruction(self, explanation, run.goal)
        if instruction is not None:
            budget = self._compose_budget
            self._start_soon(instruction.strip(), run.workspace, budget, (run.id, seq))

    def on_try_demo(self) -> None:
        """A fresh copy of the sample project as the workspace, and its goal to run."""
        try:
            folder = fresh_copy()
        except OSError as exc:
            self.show_error(f"The sample project could not be copied: {exc}")
            return
        if self.set_workspace(str(folder)):
            self._draft = GOAL
            self.goal_area.compose(GOAL)

    def on_continue_requested(self, message: str) -> None:
        """The ended run on screen goes on, with the user's follow-up if any."""
        run_id = self.run_id
        if (
            self.controller is not None and run_id is not None
            and self.controller.continue_run(run_id, message)
        ):
            self.show_run(run_id)

    def on_stop_requested(self) -> None:
        if self.controller is not None and self.run_id is not None:
            self.goal_area.stop_button.setEnabled(False)
            self.controller.stop(self.run_id)

    def on_choose_workspace(self) -> None:
        start = self.workspace or str(Path.home())
        chosen = self.choose_folder(self, start)
        if chosen:
            self.set_workspace(chosen)

    def on_approval_answered(self, call_id: str, allow: bool, always: bool, reason: str) -> None:
        if self.controller is None or self.run_id is None:
            return
        if allow:
            self.controller.approve(self.run_id, call_id, always)
        else:
            self.controller.deny(self.run_id, call_id, reason)

    # --- slots: the runs ----------------------------------------------------------------------

    def on_run_started(self, run_id: int) -> None:
        """A new live run: its state follows it from the first event on. A stored run that
        goes on keeps its state, reloaded from its record, and the new events extend it."""
        assert self.controller is not None
        if run_id in self.states:
            self.states.pop(run_id).deleteLater()
            self._load(run_id)
            return
        run = self.controller.run(run_id)
        state = RunState(
            run_id,
            run.goal if run else "",
            run.workspace if run else "",
            budget=self.controller.budget(run_id),
            parent=self,
        )
        self.states[run_id] = state

    def on_run_event(self, run_id: int, event: RunEvent) -> None:
        state = self.states.get(run_id)
        if state is not None:
            state.apply(event)

    def on_run_ended(self, run_id: int, status: str) -> None:
        state = self.states.get(run_id)
        if state is None:
            return
        state.end(status, "")
        if state is self.shown:
            self.goal_area.show_run(state.goal, state.workspace, self._budget(run_id), False)
            self._start_replay(state, None)
        self._forget_ended()

    def on_run_rewound(self, run_id: int) -> None:
        """Its files were put back: show the run again, from the store, ending with that."""
        self._drop_state(run_id)
        if run_id == self.run_id:
            self.show_run(run_id)

    def on_run_deleted(self, run_id: int) -> None:
        if run_id == self.run_id:
            self.show_new_task()
        self._drop_state(run_id)

    def _drop_state(self, run_id: int) -> None:
        state = self.states.pop(run_id, None)
        if state is not None:
            state.deleteLater()

    # --- slots: the replay ------------------------------------------------------------------

    def on_replay_moved(self, state: RunState) -> None:
        """Show the replayed run as it stood at the bar's position."""
        self._set_shown(state)
        self.timeline.show_timeline(state.timeline)
        self.on_plan_changed()
        self.timeline.highlight(self.replay_bar.row(state))

    # --- slots: the shown state -------------------------------------------------------------

    def on_plan_changed(self) -> None:
        state = self.shown
        items = state.plan if state is not None else ()
        self.plan_view.show_plan(items)
        done = sum(item.status == "done" for item in items)
        self.plan_header.setText(f"PLAN · {done} of {len(items)} done")
        self.plan_header.setVisible(bool(items))
        self.plan_view.setVisible(bool(items))

    # --- internals --------------------------------------------------------------------------

    def _set_shown(self, state: RunState | None) -> None:
        if self.shown is not None:
            self.shown.changed.disconnect(self.status_line.refresh)
            self.shown.planChanged.disconnect(self.on_plan_changed)
        self.shown = state
        if state is not None:
            state.changed.connect(self.status_line.refresh)
            state.planChanged.connect(self.on_plan_changed)
        self.status_line.show_state(state)

    def _leave_compose(self) -> None:
        """Keep the draft and budget being composed, for when the user comes back."""
        if self.goal_area.composing:
            self._draft = self.goal_area.goal()
            self._compose_budget = self.goal_area.budget()

    def _load(self, run_id: int) -> RunState | None:
        """A stored run's state, replayed from its events."""
        assert self.controller is not None
        run = self.controller.run(run_id)
        if run is None:
            return None
        events = (stored.event() for stored in self.controller.stored_events(run_id))
        state = RunState.replay(run, events, parent=self)
        self.states[run_id] = state
        return state

    def _start_replay(self, state: RunState, at_seq: int | None) -> None:
        """Give an ended run on screen the replay bar, at its end or at event `at_seq`."""
        assert self.controller is not None
        run = self.controller.run(state.run_id)
        if run is not None:
            stored = self.controller.stored_events(run.id)
            self.replay_bar.open(Replay(run, stored, state, self), at_seq)
            self.follow_up.offer(run.status)

    def _budget(self, run_id: int) -> Budget | None:
        return self.controller.budget(run_id) if self.controller is not None else None

    def _forget_ended(self) -> None:
        """Drop the states of ended runs shown longest ago (they reload from the store)."""
        assert self.controller is not None
        ended = [
            run_id for run_id in self.states
            if run_id != self.run_id and not self.controller.is_running(run_id)
        ]
        for run_id in ended[: max(0, len(ended) - KEPT_ENDED_STATES)]:
            self.states.pop(run_id).deleteLater()

    def _remember_workspace(self, folder: str) -> None:
        updated = self.settings.with_recent_workspace(folder)
        if updated == self.settings:
            return
        self.settings = updated
        self.goal_area.set_recent(updated.recent_workspaces)
        try:
            self.store.update(recent_workspaces=updated.recent_workspaces)
        except OSError as exc:
            self.show_error(f"Could not save the recent workspaces: {exc}")
