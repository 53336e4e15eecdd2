"""Start-up: process start → the main window's first paint, against a bare PySide6 window.

Each sample is a new process (`benchmarks.first_paint`), bare and app alternating so both see
the same machine; one unmeasured run of each warms the file cache first. The app's modules are
compiled to bytecode beforehand, as `pip install` does: PySide6 arrives compiled, and a source
tree run with `PYTHONDONTWRITEBYTECODE` would otherwise charge ~30 ms of compiling to the app.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time
from pathlib import Path

import desktop
from benchmarks.measure import Figure, figures_json, median

PROCESS_TIMEOUT_S = 60


def first_paint_s(kind: str, env: dict[str, str] | None = None) -> float:
    """Seconds from spawning a `first_paint` child (with `env` added to its environment) to
    the end of its window's first paint."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.first_paint", kind],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=True,
    )
    return float(done.stdout.split()[-1]) - started


def warm_bytecode() -> None:
    """Compile the app and the benchmarks as an install would."""
    for package in (Path(desktop.__file__).parent, Path(__file__).parent):
        compileall.compile_dir(package, quiet=1)


def measure(mode: str) -> list[dict[str, object]]:
    runs = 1 if mode == "quick" else 5
    warm_bytecode()
    for kind in ("bare", "app"):
        first_paint_s(kind)  # unmeasured: warms the file cache
    bare: list[float] = []
    app: list[float] = []
    for _ in range(runs):
        bare.append(first_paint_s("bare"))
        app.append(first_paint_s("app"))
    return figures_json([
        Figure("startup_window_s", median(app), "s", "<", 0.35),
        Figure("startup_vs_bare_ratio", median(app) / median(bare), "×", "<", 2.2),
    ])
