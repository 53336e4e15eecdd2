"""A long session must not crash the interpreter: Qt calls may not leak references to None.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every call that returns nothing;
after a few thousand calls CPython aborts ("none_dealloc"). pyproject.toml pins a release
without the leak; this test fails if a dependency update brings it back.
"""

from __future__ import annotations

import subprocess
import sys

SESSION = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
label = QLabel()
label.show()
before = sys.getrefcount(None)
for n in range(20_000):
    app.processEvents()
    label.setText(str(n))
print(before, sys.getrefcount(None))
"""


def test_twenty_thousand_qt_calls_keep_none_alive() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SESSION], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    before, after = map(int, done.stdout.split())
    assert after >= before - 100  # a leak loses one reference per call: 20,000 here
