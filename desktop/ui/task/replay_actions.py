"""What can be done from a replayed run's point besides forking: see what the model was sent
there, the files the run had changed by then, and put those files back as they were. The work
is the core's (core/agent/conversation, core/checkpoints/); this asks, shows and reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop.core.agent.conversation import conversation_at, readable
from desktop.ui.task.files_panel import FilesDialog, rewind_question
from desktop.ui.widgets import dialogs

if TYPE_CHECKING:
    from desktop.ui.task.controller import TaskController


class ReplayActions(QObject):
    """The replay bar's actions on a run; `rewound` names the run once a rewind is stored."""

    rewound = Signal(int)

    def __init__(self, pane: QWidget, controller: Callable[[], TaskController | None]) -> None:
        super().__init__(pane)
        self.pane = pane
        self.controller = controller
        self.show_text: dialogs.TextViewer = dialogs.show_text
        self.ask_rewind: dialogs.RewindAsker = dialogs.ask_rewind
        self.files_dialog: FilesDialog | None = None

    def show_sent(self, run_id: int, seq: int) -> None:
        """The conversation the model was sent after event `seq`, as it was sent."""
        tasks = self.controller()
        if tasks is None:
            return
        messages = conversation_at(e.event() for e in tasks.stored_events(run_id) if e.seq <= seq)
        self.show_text(self.pane, f"Run #{run_id} at event {seq}: what the model sees",
                       readable(messages))

    def show_files(self, run_id: int, upto_seq: int | None) -> None:
        """The files panel for the run, as it stood after event `upto_seq` (None: now)."""
        tasks = self.controller()
        if tasks is None:
            return
        files = tasks.files_touched(run_id, upto_seq)
        where = "so far" if upto_seq is None else f"by event {upto_seq}"
        self.files_dialog = FilesDialog(f"Run #{run_id}: files changed {where}", files,
                                        self.pane)
        self.files_dialog.open()

    def rewind(self, run_id: int, to_seq: int) -> None:
        """Ask, then put the workspace back as it was before the run's event `to_seq`."""
        tasks = self.controller()
        plan = tasks.plan_rewind(run_id, to_seq) if tasks is not None else None
        if tasks is None or plan is None:
            return
        where = "when the run started" if to_seq <= 1 else f"before event {to_seq}"
        if not (plan.restore or plan.conflicts):
            tasks.error.emit(f"Nothing to rewind: the files are as they were {where}.")
            return
        question = rewind_question(plan, where)

        def then(force: bool) -> None:
            if tasks.rewind(run_id, to_seq, force=force):
                self.rewound.emit(run_id)

        self.ask_rewind(self.pane, question, bool(plan.conflicts), then)
