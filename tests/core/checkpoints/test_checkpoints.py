"""Checkpoints and rewind end to end: the real agent loop (a scripted model), real files and
real commands in a temporary workspace, then `rewind` as the UI and the CLI call it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from desktop.core.agent.executor import LocalExecutor
from desktop.core.agent.permissions import Policy
from desktop.core.agent.recorder import start_run
from desktop.core.checkpoints.changes import FileChange, Rewound, WorkspaceChanged
from desktop.core.checkpoints.ledger import blobs_of
from desktop.core.checkpoints.rewind import RewindError, plan_rewind, rewind
from desktop.core.checkpoints.touched import files_touched
from desktop.core.demo.fake_api import ToolUse, Turn
from desktop.core.demo.sample_project import BUG, FIX
from desktop.core.events import RunFinished, ToolCallStarted, ToolOutput
from desktop.core.model.stream import ScriptedModel
from desktop.core.store.database import Store

QUICK_PYTEST = ("PYTEST_DISABLE_PLUGIN_AUTOLOAD",)
ORIGINAL = "def add(a, b):\n" + BUG
FIXED = "def add(a, b):\n" + FIX


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed scenario: add() subtracts, so its test fails."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text(ORIGINAL)
    (root / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    return root


def play(store: Store, workspace: Path, *turns: Sequence[ToolUse]) -> int:
    """Run the agent through `turns` (one tuple of calls per model turn), all approved."""

    async def main() -> int:
        model = ScriptedModel([*(Turn("", tuple(calls)) for calls in turns), Turn("Done.")])
        run = start_run(store, model, "work", workspace, policy=Policy.from_approve("all"),
                        executor=LocalExecutor(QUICK_PYTEST))
        events = [event async for event in run]
        assert events[-1] == RunFinished("Done.")
        return run.run_id

    return asyncio.run(main())


def edit(old: str, new: str, path: str = "calc.py") -> ToolUse:
    return ToolUse("edit_file", {"path": path, "old_text": old, "new_text": new})


def command(line: str) -> ToolUse:
    return ToolUse("run_command", {"command": line})


def files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(errors="replace")
            for p in sorted(root.rglob("*")) if p.is_file()}


def changes(store: Store, run_id: int) -> list[FileChange]:
    return [change for stored in store.events(run_id)
            if isinstance(event := stored.event(), WorkspaceChanged)
            for change in event.changes]


def test_the_seed_scenario_rewound_to_its_start_and_undone(
    store: Store, workspace: Path
) -> None:
    run_id = play(store, workspace, [edit("a - b", "a + b")],
                  [command(f"{sys.executable} -m pytest -q")])
    assert (workspace / "calc.py").read_text() == FIXED
    assert (workspace / ".pytest_cache").is_dir()
    after_run = files(workspace)
    touched = {c.path for c in changes(store, run_id)}
    assert "calc.py" in touched and any(p.startswith(".pytest_cache/") for p in touched)

    done = rewind(store, run_id)

    assert (workspace / "calc.py").read_text() == ORIGINAL
    assert not (workspace / ".pytest_cache").exists()
    assert not (workspace / "__pycache__").exists()
    assert sorted(files(workspace)) == ["calc.py", "test_calc.py"]
    assert done.event.conflicts == () and done.event.lost == ()
    recorded = store.events(run_id)[-1]
    assert (recorded.seq, recorded.event()) == (done.seq, done.event)

    undone = rewind(store, run_id, done.seq)
    assert files(workspace) == after_run
    assert isinstance(store.events(run_id)[-1].event(), Rewound)
    assert undone.seq == done.seq + 1


def test_a_hand_edit_after_the_run_is_a_conflict_kept_unless_forced(
    store: Store, workspace: Path
) -> None:
    run_id = play(store, workspace, [edit("a - b", "a + b")])
    (workspace / "calc.py").write_text(FIXED + "# mine\n")

    plan = plan_rewind(store, run_id)
    assert [c.path for c in plan.conflicts] == ["calc.py"] and plan.restore == ()
    kept = rewind(store, run_id)
    assert kept.event.conflicts == ("calc.py",) and kept.event.changes == ()
    assert (workspace / "calc.py").read_text() == FIXED + "# mine\n"

    forced = rewind(store, run_id, force=True)
    assert forced.event.forced and (workspace / "calc.py").read_text() == ORIGINAL
    rewind(store, run_id, forced.seq)  # undoing the forced rewind brings the hand edit back
    assert (workspace / "calc.py").read_text() == FIXED + "# mine\n"


def test_rewinding_to_the_middle_of_three_edits_keeps_exactly_the_first(
    store: Store, workspace: Path
) -> None:
    run_id = play(store, workspace, [edit("a - b", "a + b")], [edit("a + b", "b + a")],
                  [edit("def add", "def plus")])
    assert (workspace / "calc.py").read_text() == "def plus(a, b):\n    return b + a\n"
    edits = [s.seq for s in store.events(run_id)
             if isinstance(e := s.event(), ToolCallStarted) and e.name == "edit_file"]
    assert len(edits) == 3

    rewind(store, run_id, edits[1])
    assert (workspace / "calc.py").read_text() == FIXED
    assert sorted(files(workspace)) == ["calc.py", "test_calc.py"]


def test_a_command_that_deletes_and_changes_files_is_undone(
    store: Store, workspace: Path
) -> None:
    (workspace / "notes").mkdir()
    (workspace / "notes" / "todo.txt").write_text("fix add\n")
    run_id = play(store, workspace,
                  [command("rm -r notes && echo '# tail' >> calc.py && echo new > made.txt")])
    assert not (workspace / "notes").exists()
    assert {(c.path, c.before is None, c.after is None) for c in changes(store, run_id)} == {
        ("notes/todo.txt", False, True), ("calc.py", False, False), ("made.txt", True, False)}

    rewind(store, run_id)
    assert files(workspace) == {"calc.py": ORIGINAL, "notes/todo.txt": "fix add\n",
                                "test_calc.py": files(workspace)["test_calc.py"]}


def test_the_scan_skips_ignored_files_git_symlinks_and_keeps_no_huge_content(
    store: Store, workspace: Path
) -> None:
    (workspace / ".gitignore").write_text("build/\n*.log\n")
    (workspace / ".git").mkdir()
    (workspace / "link").symlink_to(workspace / "calc.py")
    big = workspace / "big.bin"
    run_id = play(store, workspace, [command(
        "mkdir build && echo x > build/out.o && echo y > run.log && echo z > .git/HEAD && "
        f"ln -s test_calc.py link2 && head -c {6 * 2**20} /dev/zero > {big.name}"
    )])
    [only] = changes(store, run_id)
    assert (only.path, only.before, only.after, only.not_captured) == (
        "big.bin", None, None, "over 5 MB")
    plan = plan_rewind(store, run_id)
    assert plan.lost == ("big.bin",) and plan.restore == ()


def test_blobs_go_with_their_run_and_the_cap_drops_the_oldest_runs_first(
    store: Store, workspace: Path
) -> None:
    from desktop.core import settings

    settings.save(settings.Settings(checkpoint_storage_mb=1))
    noise = f"{sys.executable} -c \"import os; open('noise{{}}', 'wb').write(os.urandom(7**7))\""
    first = play(store, workspace, [command(noise.format(1))], [command("echo >> noise1")])
    made, grown = changes(store, first)
    blobs = blobs_of(store)
    assert blobs.has(made.after or "") and grown.before == made.after

    second = play(store, workspace, [command(noise.format(2))])
    assert not blobs.has(made.after or "")  # over 1 MB: the older run's went first
    assert blobs.has(grown.after or "")  # still held by the second run, which saw it
    dropped = store.events(first)[-1]
    assert dropped.type == "CheckpointsDropped" and "1 MB" in dropped.data["reason"]
    echo = [s.seq for s in store.events(first) if s.type == "ToolCallStarted"][-1]
    assert plan_rewind(store, first, echo).lost == ("noise1",)

    [kept] = changes(store, second)
    store.delete_run(second)
    assert not blobs.has(kept.after or "") and not blobs.has(grown.after or "")


def test_a_running_run_or_an_unknown_event_is_refused(store: Store, workspace: Path) -> None:
    run = store.create_run("goal", str(workspace), "model")
    with pytest.raises(RewindError, match="still going"):
        rewind(store, run.id)
    store.update_run(run.id, status="interrupted")
    with pytest.raises(RewindError, match="no event 1"):
        rewind(store, run.id)


def test_files_touched_nets_tools_and_commands_over_the_run(
    store: Store, workspace: Path
) -> None:
    (workspace / "old.txt").write_text("gone\n")
    run_id = play(store, workspace, [edit("a - b", "a + b")],
                  [command("rm old.txt && printf 'a\\0b' > blob.bin && echo t > tmp.txt")],
                  [command("rm tmp.txt")], [edit("a + b", "b + a")])

    found = {f.path: f for f in files_touched(store, run_id)}

    assert sorted(found) == ["blob.bin", "calc.py", "old.txt"]  # tmp.txt came and went
    calc = found["calc.py"]
    assert (calc.status, calc.added, calc.removed) == ("modified", 1, 1)
    assert "-    return a - b\n+    return b + a\n" in calc.diff
    assert (found["old.txt"].status, found["old.txt"].removed) == ("deleted", 1)
    assert (found["blob.bin"].status, found["blob.bin"].note) == ("created", "binary")
    first_edit = next(s.seq for s in store.events(run_id) if s.type == "WorkspaceChanged")
    [early] = files_touched(store, run_id, first_edit)
    assert "+    return a + b\n" in early.diff


def test_what_a_stopped_command_changed_is_recorded_and_can_be_rewound(
    store: Store, workspace: Path
) -> None:
    async def main() -> int:
        line = "echo x > made.txt && echo ' # half' >> calc.py && echo ready && sleep 30"
        model = ScriptedModel([Turn("", (command(line),))])
        run = start_run(store, model, "work", workspace, policy=Policy.from_approve("all"),
                        executor=LocalExecutor())
        async for event in run:
            if isinstance(event, ToolOutput) and "ready" in event.chunk:
                run.cancel()
        return run.run_id

    run_id = asyncio.run(main())
    assert store.run(run_id).status == "cancelled"
    assert {c.path for c in changes(store, run_id)} == {"calc.py", "made.txt"}
    assert store.events(run_id)[-1].type == "RunCancelled"

    rewind(store, run_id)
    assert sorted(files(workspace)) == ["calc.py", "test_calc.py"]
    assert (workspace / "calc.py").read_text() == ORIGINAL


def test_a_run_that_only_reads_keeps_nothing(store: Store, workspace: Path) -> None:
    run_id = play(store, workspace, [ToolUse("read_file", {"path": "calc.py"})])
    assert changes(store, run_id) == []
    assert not blobs_of(store).root.exists()
