"""What every benchmark shares: the `Figure` it reports, medians, resident memory, children.

Figures that depend on process-wide state (imports, memory, Qt's one application) are measured
in a fresh interpreter: `run_child("module:function", ...)` runs `benchmarks.child` and returns
what the function returned, read back as JSON.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

RESULT_MARK = "BENCHMARK-RESULT "
CHILD_TIMEOUT_S = 600


@dataclass(frozen=True)
class Figure:
    """One measured figure against its target: `value` must be below or above `limit`."""

    name: str
    value: float
    unit: str
    op: Literal["<", ">"]
    limit: float

    @property
    def met(self) -> bool:
        return self.value < self.limit if self.op == "<" else self.value > self.limit

    def line(self) -> str:
        """`name: value unit (target < X) ✓`, the runner's output format."""
        mark = "✓" if self.met else "✗"
        target = f"{self.op} {_number(self.limit)}"
        return f"{self.name}: {_number(self.value)} {self.unit} (target {target}) {mark}"


def _number(value: float) -> str:
    if value >= 1000 or (value >= 10 and value == int(value)):
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), or its peak where /proc is missing."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def run_child(entry: str, *args: str) -> Any:
    """Run `benchmarks.<module>.<function>(*args)` in a fresh interpreter; its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.child", entry, *args],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line.removeprefix(RESULT_MARK))
    raise RuntimeError(f"{entry} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


@contextmanager
def loopback_server(text: str, tokens_per_s: float | None = None) -> Iterator[str]:
    """A Messages API on 127.0.0.1 in its own process (no GIL shared with the app); its URL.

    Every request gets the same reply, `text`, paced at `tokens_per_s` if given.
    """
    args = [text, str(tokens_per_s or 0)]
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.child", "server:serve", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.kill()
        server.wait(timeout=10)


def figures_json(figures: Iterable[Figure]) -> list[dict[str, Any]]:
    return [asdict(figure) for figure in figures]
