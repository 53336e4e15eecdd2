"""The status line under the timeline: the run's badge, `runStatus`, the retry notice, and
while the run goes, `liveFilesButton` for the files it has changed so far.

"● Running   step 3 / 30 · 12.3k in / 1.1k out · $0.04 · 0:42   the API is overloaded, …".
While the run goes, the elapsed time moves on by itself: a precise single-shot timer fires
just after each whole second of the run's time, so the clock never skips or lags a second.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.ui.task.run_state import REPLAY, RunState
from desktop.ui.task.timeline.model import END_TITLES
from desktop.ui.theme.palette import current
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain

TICK_SLACK_MS = 5


class StatusLine(QWidget):
    """Shows one run's totals; `refresh` after the run's state changed."""

    filesRequested = Signal(int, object)
    """(run id, None): the files panel for the run as it stands now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "statusBar", "The run's status, totals and time")
        self.badge = named(QLabel(), "runBadge")
        self.counts = plain(named(QLabel(), "runStatus", "The run's step, tokens, cost and time"))
        self.retry_notice = plain(named(QLabel(), "retryNotice"))
        self.retry_notice.setWordWrap(True)
        self.files_button = named(QPushButton("Files changed…"), "liveFilesButton",
                                  "The files the run has changed so far, with their diffs")
        self.files_button.clicked.connect(self.on_files_clicked)
        self.state: RunState | None = None
        self._tick = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self.on_tick)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 6, 0, 0)
        row.setSpacing(12)
        row.addWidget(self.badge)
        row.addWidget(self.counts)
        row.addWidget(self.retry_notice)
        row.addStretch(1)
        row.addWidget(self.files_button)

    def show_state(self, state: RunState | None) -> None:
        self.state = state
        self.setVisible(state is not None)
        self.refresh()

    def refresh(self) -> None:
        state = self.state
        if state is not None:
            if state.live:
                word = "Running"
            else:
                word = "Replay" if state.status == REPLAY else END_TITLES.get(state.status, "")
            colour = current().status(state.status).name()
            self.badge.setText(f"<span style='color:{colour}'>●</span>&nbsp;{word}")
            self.badge.setAccessibleDescription(word)
            self.counts.setText(state.status_text())
            self.retry_notice.setText(state.retry_notice)
            self.retry_notice.setVisible(bool(state.retry_notice))
        self.files_button.setVisible(state is not None and state.live)
        self._schedule_tick()

    def on_files_clicked(self) -> None:
        if self.state is not None:
            self.filesRequested.emit(self.state.run_id, None)

    def on_tick(self) -> None:
        """Elapsed time moves on while the run goes."""
        if self.state is not None:
            self.counts.setText(self.state.status_text())
        self._schedule_tick()

    def _schedule_tick(self) -> None:
        """Tick just after the live run's elapsed time reaches its next whole second."""
        state = self.state
        if state is None or not state.live:
            self._tick.stop()
            return
        into_second = int(state.elapsed_s() % 1 * 1000)
        self._tick.start(1000 - into_second + TICK_SLACK_MS)
