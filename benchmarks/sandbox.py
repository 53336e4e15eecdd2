"""Sandbox overhead: `true` run through the sandbox executor minus through the local one.

Both go through `Executor.start` and wait for the exit, as run_command does; pairs alternate
so a busy moment of the machine weighs on both sides. The probe of bubblewrap is paid once,
before measuring, as the app pays it once per process.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from benchmarks.measure import Figure, figures_json, median
from desktop.core.agent import sandbox
from desktop.core.agent.executor import Executor, LocalExecutor
from desktop.core.agent.sandbox import SandboxExecutor


def measure(mode: str) -> list[dict[str, object]]:
    if problem := sandbox.unavailable():
        raise RuntimeError(f"no sandbox to measure: {problem}")
    pairs = 3 if mode == "quick" else 40
    differences = asyncio.run(_differences(pairs, Path.cwd()))
    return figures_json([Figure("sandbox_overhead_ms", median(differences), "ms", "<", 30)])


async def _differences(pairs: int, folder: Path) -> list[float]:
    local, jailed = LocalExecutor(), SandboxExecutor()
    await _true_ms(jailed, folder)  # unmeasured: warms the page cache for bwrap
    return [await _true_ms(jailed, folder) - await _true_ms(local, folder) for _ in range(pairs)]


async def _true_ms(executor: Executor, folder: Path) -> float:
    started = time.perf_counter()
    proc = await executor.start("true", folder)
    await proc.communicate()
    return (time.perf_counter() - started) * 1000
