"""Child process of the start-up figures: print the clock at a window's first paint, then exit.

`python -m benchmarks.first_paint bare` paints a bare PySide6 main window; `... app` starts
AgentDesk exactly as `agentdesk --demo` does, watching its MainWindow from the moment it is
shown. Both print `time.monotonic()` (one clock for every process on Linux) as the paint pass
returns and exit at once, so the parent reads process start → first paint.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from benchmarks.paint import PaintProbe

SIZE = (1240, 820)  # the app's own window size, so both paint the same area


def _report(at: float) -> None:
    print(f"{at:.6f}", flush=True)
    os._exit(0)  # teardown is not part of start-up


def _watch(window: QMainWindow) -> None:
    PaintProbe(window, _report)  # the window, its parent, keeps it alive


def bare() -> None:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hello"))
    window.resize(*SIZE)
    window.show()
    _watch(window)
    app.exec()


def app() -> None:
    from desktop.ui.shell.main_window import MainWindow

    show = MainWindow.show

    def show_and_watch(self: MainWindow) -> None:
        show(self)
        _watch(self)

    MainWindow.show = show_and_watch  # type: ignore[method-assign]
    from desktop.cli import main

    main(["--demo"])


if __name__ == "__main__":
    {"bare": bare, "app": app}[sys.argv[1]]()
