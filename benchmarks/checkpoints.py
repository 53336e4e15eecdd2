"""Checkpoint scan: what capturing a command's changes adds to the command, on 100k files.

The workspace is made in a temporary folder (1,000 folders of 100 small files). The first
scan, which stores every file once, is paid unmeasured, as a run pays it at its first
command; each measured command then costs the scan before it plus the scan after it, with
the storage counted, exactly as the agent calls them (`Checkpointer.before` / `after`). The
command itself (touching one file) is not timed.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.measure import Figure, figures_json, median
from desktop.core import paths
from desktop.core.agent.workspace import Workspace
from desktop.core.checkpoints.capture import Checkpointer
from desktop.core.store.database import Store

FILES_PER_FOLDER = 100


def measure(mode: str) -> list[dict[str, object]]:
    files, commands = (500, 2) if mode == "quick" else (100_000, 7)
    with tempfile.TemporaryDirectory(prefix="agentdesk-scan-") as folder:
        root = _workspace(Path(folder), files)
        with Store(paths.database_path()) as store:
            costs = asyncio.run(_commands(store, root, commands))
    return figures_json([Figure("checkpoint_scan_100k_ms", median(costs), "ms", "<", 200)])


def _workspace(parent: Path, files: int) -> Path:
    root = parent / "workspace"
    for number in range(files):
        folder = root / f"pkg{number // 10_000}" / f"mod{number // FILES_PER_FOLDER}"
        if number % FILES_PER_FOLDER == 0:
            folder.mkdir(parents=True)
        (folder / f"file{number}.py").write_text(f"VALUE = {number}\n")
    (root / ".gitignore").write_text("build/\n*.log\n")
    return root


async def _commands(store: Store, root: Path, commands: int) -> list[float]:
    run = store.create_run("benchmark", str(root), "none")
    store.update_run(run.id, status="finished")
    checkpoints = Checkpointer(store, run.id, Workspace(root))
    command = {"command": "touch"}
    await checkpoints.after("warm-up", await checkpoints.before("run_command", command))
    costs = []
    for number in range(commands):
        started = time.perf_counter()
        before = await checkpoints.before("run_command", command)
        scanned = time.perf_counter()
        (root / "pkg0" / "mod0" / "file0.py").write_text(f"VALUE = -{number}\n")  # the command
        resumed = time.perf_counter()
        assert before is not None and await checkpoints.after(f"call{number}", before)
        costs.append((scanned - started + time.perf_counter() - resumed) * 1000)
    checkpoints.close()
    return costs
