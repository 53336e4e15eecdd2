"""The replay bar under an ended run's timeline: `replaySlider` with `replayBack` and
`replayForward` (and Left / Right on the timeline), where it is, the files touched by then
(`filesButton` opens them with their diffs), and what can be done from there: `rewindButton`
(the files back as they were here), `forkButton`, `exportButton`, `compareButton`.

It walks its `Replay` (replay.py) and hands the state to show to the task pane (`stateChosen`);
the pane shows it, and decides what a fork, an export or a comparison does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProxyStyle,
    QPushButton,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.task.replay import Replay
from desktop.ui.task.run_state import RunState
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain_tip

SHOWN_FILES = 4


class _ClickToJump(QProxyStyle):
    """A click on the slider's track goes to that point, rather than a page towards it."""

    def styleHint(self, hint: QStyle.StyleHint, *args: object) -> int:
        if hint == QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:
            return Qt.MouseButton.LeftButton.value
        return super().styleHint(hint, *args)  # type: ignore[arg-type]


class ReplayBar(QFrame):
    stateChosen = Signal(object)
    """The `RunState` to show for the new position."""
    forkRequested = Signal()
    sentRequested = Signal(int, int)
    """(run id, position): what the run's model was sent there (after any compaction)."""
    exportRequested = Signal(int)
    compareRequested = Signal(int)
    filesRequested = Signal(int, int)
    """(run id, position): the files panel as the run stood there."""
    rewindRequested = Signal(int, int)
    """(run id, event seq): put the workspace back as it was before that event."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "replayBar", "Walk through the run one event at a time")
        self.replay: Replay | None = None
        self.back_button = named(QToolButton(), "replayBack", "One event back (Left)")
        self.back_button.setText("◀")
        self.slider = named(QSlider(Qt.Orientation.Horizontal), "replaySlider",
                            "Replay: the run as it stood after this many events")
        self.slider.setPageStep(10)
        self._slider_style = _ClickToJump()  # kept: the slider does not own its style
        self.slider.setStyle(self._slider_style)
        self.forward_button = named(QToolButton(), "replayForward", "One event on (Right)")
        self.forward_button.setText("▶")
        self.position_label = named(QLabel(), "replayPosition", "Where the replay is")
        self.files_button = named(QPushButton(), "filesButton",
                                  "The files the run had changed by then, with their diffs")
        self.rewind_button = named(QPushButton("Rewind files to here…"), "rewindButton",
                                   "Put the workspace's files back as they were at this point")
        self.compare_button = named(QPushButton("Compare…"), "compareButton",
                                    "Compare this run with another, side by side")
        self.export_button = named(QPushButton("Export…"), "exportButton",
                                   "Save the run as Markdown (to read) or JSON (complete)")
        self.sent_button = named(QPushButton("What the model sees…"), "sentButton",
                                 "The conversation as the model is sent it at this point, "
                                 "compacted or not")
        self.fork_button = named(QPushButton("Fork from here…"), "forkButton",
                                 "Start a new run from this point, with an edited instruction")
        for button in (self.back_button, self.forward_button, self.compare_button,
                       self.export_button, self.sent_button, self.fork_button,
                       self.files_button, self.rewind_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
        self._build()
        self.slider.valueChanged.connect(self.on_slider_moved)
        self.back_button.clicked.connect(self.on_back)
        self.forward_button.clicked.connect(self.on_forward)
        self.fork_button.clicked.connect(self.forkRequested)
        self.sent_button.clicked.connect(self.on_sent_clicked)
        self.export_button.clicked.connect(self.on_export_clicked)
        self.compare_button.clicked.connect(self.on_compare_clicked)
        self.files_button.clicked.connect(self.on_files_clicked)
        self.rewind_button.clicked.connect(self.on_rewind_clicked)

    def _build(self) -> None:
        walk = QHBoxLayout()
        walk.setSpacing(6)
        walk.addWidget(self.back_button)
        walk.addWidget(self.slider, 1)
        walk.addWidget(self.forward_button)
        walk.addSpacing(6)
        walk.addWidget(self.position_label)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        actions.addWidget(self.files_button)
        actions.addStretch(1)
        actions.addWidget(self.rewind_button)
        actions.addWidget(self.compare_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.sent_button)
        actions.addWidget(self.fork_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 2)
        layout.setSpacing(4)
        layout.addLayout(walk)
        layout.addLayout(actions)

    def open(self, replay: Replay, at_seq: int | None = None) -> None:
        """Walk `replay`, from its event `at_seq` or its end; shows the bar."""
        self.leave()
        self.replay = replay
        position = replay.length if at_seq is None else at_seq
        self.slider.blockSignals(True)
        self.slider.setRange(0, replay.length)
        self.slider.setValue(position)
        self.slider.blockSignals(False)
        self.show()
        self.on_slider_moved(self.slider.value())

    def leave(self) -> None:
        """Stop replaying (the state shown for a position goes with it) and hide."""
        if self.replay is not None:
            self.replay.move_to(self.replay.length)
            self.replay = None
        self.hide()

    def row(self, state: RunState) -> int | None:
        """The timeline row to ring at this position."""
        return self.replay.row(state) if self.replay is not None else None

    # --- slots ------------------------------------------------------------------------------

    def on_slider_moved(self, position: int) -> None:
        self._update_buttons()
        replay = self.replay
        if replay is None:
            return
        state = replay.move_to(position)
        self.position_label.setText(replay.describe())
        files = replay.files()
        shown = ", ".join(files[:SHOWN_FILES])
        more = f" and {len(files) - SHOWN_FILES} more" if len(files) > SHOWN_FILES else ""
        self.files_button.setText(f"Files touched: {shown}{more}" if files else "No files touched")
        tip = plain_tip("\n".join(files)) or "No file changed by then"
        self.files_button.setToolTip(tip)
        self.rewind_button.setEnabled(not replay.at_end)
        self.stateChosen.emit(state)

    def on_export_clicked(self) -> None:
        if self.replay is not None:
            self.exportRequested.emit(self.replay.run.id)

    def on_compare_clicked(self) -> None:
        if self.replay is not None:
            self.compareRequested.emit(self.replay.run.id)

    def on_sent_clicked(self) -> None:
        if self.replay is not None:
            self.sentRequested.emit(self.replay.run.id, self.replay.position)

    def on_files_clicked(self) -> None:
        if self.replay is not None:
            self.filesRequested.emit(self.replay.run.id, self.replay.position)

    def on_rewind_clicked(self) -> None:
        """Here is after the event at the position: the files as they were before the next."""
        if self.replay is not None and not self.replay.at_end:
            self.rewindRequested.emit(self.replay.run.id, self.replay.position + 1)

    def on_back(self) -> None:
        self.on_step(-1)

    def on_forward(self) -> None:
        self.on_step(1)

    def on_step(self, events: int) -> None:
        """Move by `events` meaningful events, streamed pieces counting as one (the
        timeline's Left and Right keys come here too)."""
        if self.replay is None:
            return
        position = self.slider.value()
        for _ in range(abs(events)):
            position = self.replay.neighbour(position, 1 if events > 0 else -1)
        self.slider.setValue(position)

    def _update_buttons(self) -> None:
        self.back_button.setEnabled(self.slider.value() > self.slider.minimum())
        self.forward_button.setEnabled(self.slider.value() < self.slider.maximum())
