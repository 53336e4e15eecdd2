"""`agentdesk` on a machine with no display says so in one line instead of a Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland displays only")
def test_window_without_a_display_is_a_clear_error(isolated_env: Path) -> None:
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--demo"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: no display to open the window on")
    assert "agentdesk --demo chat" in line
