"""Detect a widget's first paint from outside the app, with no hook in the product.

Qt paints a window in passes: an Expose of its native window, or an UpdateRequest to its
top-level widget, sends Paint to every dirty widget and then flushes. `PaintProbe` delivers
those two events itself, so it reads the clock when the pass that painted the target has
returned (the pixels are done), not when the first Paint starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QWidget

PASSES = (QEvent.Type.Expose, QEvent.Type.UpdateRequest)


class PaintProbe(QObject):
    """Calls `on_painted(time.monotonic())` once, after the pass that first paints `target`."""

    def __init__(self, target: QWidget, on_painted: Callable[[float], None]) -> None:
        super().__init__(target)
        self._target = target
        self._on_painted = on_painted
        self._delivering = False
        self._painted = False
        self.done = False
        top = target.window()
        # The native window (its handle) exists once the widget has been shown.
        self._watched = [obj for obj in {target, top, top.windowHandle()} if obj is not None]
        for obj in self._watched:
            obj.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Paint:
            self._painted = self._painted or obj is self._target
            return False
        if kind not in PASSES or self._delivering or self.done:
            return False
        self._delivering = True
        try:
            QCoreApplication.sendEvent(obj, event)
        finally:
            self._delivering = False
        if self._painted:
            self.done = True
            for watched in self._watched:
                watched.removeEventFilter(self)
            self._on_painted(time.monotonic())
        return True
