"""The benchmark runner runs: `python -m benchmarks --quick` prints every figure and exits 0.

Only that it runs: the figures themselves are not asserted, since timings on a shared test
machine say little (the README has the measured table).
"""

from __future__ import annotations

import re
import subprocess
import sys

from benchmarks.__main__ import NAMES

RUNNER_TIMEOUT_S = 120
LINE = r"^{name}: -?[\d,.]+ \S+ \(target [<>] [\d,.]+\) [✓✗]$"


def test_quick_run_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        capture_output=True,
        text=True,
        timeout=RUNNER_TIMEOUT_S,
    )

    assert done.returncode == 0, done.stderr
    for name in NAMES:
        line = LINE.format(name=re.escape(name))
        assert re.search(line, done.stdout, re.MULTILINE), f"no {name} in:\n{done.stdout}"
