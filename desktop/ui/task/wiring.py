"""`wire`: the task feature's connections: its controller, the pane and the sidebar's run list.

The window calls it once the core is attached; the tests' task fixture calls the same function.
"""

from __future__ import annotations

from desktop.ui.task.controller import TaskController
from desktop.ui.task.pane import TaskPane
from desktop.ui.task.run_list import RunList


def wire(tasks: TaskController, pane: TaskPane, runs: RunList) -> None:
    """Runs started, streamed, ended or deleted show in the pane and the list; what the user
    picks in either reaches the other and the controller."""
    pane.controller = tasks
    runs.set_source(tasks)
    tasks.runStarted.connect(pane.on_run_started)
    tasks.runEvent.connect(pane.on_run_event)
    tasks.runEnded.connect(pane.on_run_ended)
    tasks.runDeleted.connect(pane.on_run_deleted)
    tasks.error.connect(pane.show_error)
    tasks.modelsLoaded.connect(pane.on_models_loaded)
    tasks.runStarted.connect(runs.on_runs_changed)
    tasks.runEnded.connect(runs.on_runs_changed)
    tasks.runDeleted.connect(runs.on_runs_changed)
    tasks.approvalChanged.connect(runs.on_approval_changed)
    pane.goal_area.modelPicked.connect(tasks.set_model)
    pane.runShown.connect(runs.select_run)
    runs.runSelected.connect(pane.show_run)
    runs.deleteRequested.connect(tasks.delete)
