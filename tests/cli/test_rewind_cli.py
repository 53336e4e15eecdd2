"""`agentdesk runs rewind` and `agentdesk runs files` on a run the real agent loop made.

In-process through `desktop.cli.main`, on the database the autouse fixture's AGENTDESK_HOME
points at; the run is recorded there first by a scripted model.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core import paths
from desktop.core.agent.executor import LocalExecutor
from desktop.core.agent.permissions import Policy
from desktop.core.agent.recorder import start_run
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.stream import ScriptedModel
from desktop.core.store.database import Store

BEFORE = "def add(a, b):\n    return a - b\n"
AFTER = "def add(a, b):\n    return a + b\n"


def agentdesk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[int, Path]:
    """A run that fixed calc.py with edit_file and then made a file with a command."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text(BEFORE)
    turns = [
        Turn("", (ToolUse("edit_file", {"path": "calc.py", "old_text": "a - b",
                                        "new_text": "a + b"}),)),
        Turn("", (ToolUse("run_command", {"command": "mkdir out && echo ok > out/log.txt"}),)),
        Turn("Done."),
    ]

    async def play(store: Store) -> int:
        run = start_run(store, ScriptedModel(turns), "fix", root,
                        policy=Policy.from_approve("all"), executor=LocalExecutor())
        async for _ in run:
            pass
        return run.run_id

    with Store(paths.database_path()) as store:
        return asyncio.run(play(store)), root


def test_rewind_puts_the_workspace_back_and_says_how_to_undo(
    capsys: pytest.CaptureFixture[str], recorded: tuple[int, Path]
) -> None:
    run_id, root = recorded
    code, out, err = agentdesk(capsys, "runs", "rewind", str(run_id))
    assert code == 0, err
    assert f"run {run_id} rewound to before event 1: 2 files put back" in out
    assert "restored calc.py" in out and "removed  out/log.txt" in out
    assert (root / "calc.py").read_text() == BEFORE and not (root / "out").exists()

    undo = err.split("undo with: ")[1].split()
    code, out, _ = agentdesk(capsys, *undo[1:])
    assert code == 0 and "recreated out/log.txt" in out
    assert (root / "calc.py").read_text() == AFTER and (root / "out/log.txt").exists()


def test_a_file_changed_by_hand_is_kept_unless_forced(
    capsys: pytest.CaptureFixture[str], recorded: tuple[int, Path]
) -> None:
    run_id, root = recorded
    (root / "calc.py").write_text(AFTER + "# by hand\n")
    code, out, err = agentdesk(capsys, "runs", "rewind", str(run_id))
    assert code == 1
    assert "kept (--force overwrites them):\n  calc.py" in err
    assert (root / "calc.py").read_text() == AFTER + "# by hand\n"
    assert not (root / "out").exists()  # the rest was rewound

    code, out, err = agentdesk(capsys, "runs", "rewind", str(run_id), "--force")
    assert code == 0 and "restored calc.py" in out and "overwritten" in err
    assert (root / "calc.py").read_text() == BEFORE


def test_files_lists_each_touched_file_with_counts_and_diff(
    capsys: pytest.CaptureFixture[str], recorded: tuple[int, Path]
) -> None:
    run_id, _ = recorded
    code, out, _ = agentdesk(capsys, "runs", "files", str(run_id), "--json")
    assert code == 0
    found = [json.loads(line) for line in out.splitlines()]
    assert [(f["path"], f["status"], f["added"], f["removed"]) for f in found] == [
        ("calc.py", "modified", 1, 1), ("out/log.txt", "created", 1, 0)]
    assert "-    return a - b\n+    return a + b\n" in found[0]["diff"]
    assert found[1]["diff"].startswith("--- /dev/null\n+++ b/out/log.txt\n")

    code, out, _ = agentdesk(capsys, "runs", "files", str(run_id), "--to", "3")
    assert code == 0 and out == ""  # before the edit was made

    assert agentdesk(capsys, "runs", "rewind", "999")[:2] == (1, "")
    code, _, err = agentdesk(capsys, "runs", "rewind", str(run_id), "--to", "9999")
    assert code == 1 and "has no event 9999" in err


def test_continue_goes_on_from_the_restored_point_as_a_fork(
    capsys: pytest.CaptureFixture[str], recorded: tuple[int, Path], fake_api: FakeAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id, root = recorded
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    fake_api.add(Turn("Kept the fix, skipped the log."))
    with Store(paths.database_path()) as store:
        command = next(s.seq for s in store.events(run_id)
                       if s.type == "ToolCallStarted" and s.data["name"] == "run_command")

    code, out, err = agentdesk(capsys, "runs", "rewind", str(run_id), "--to", str(command),
                               "--continue", "Skip the log.", "--approve", "all")

    assert code == 0, err
    assert (root / "calc.py").read_text() == AFTER and not (root / "out").exists()
    assert "== finished" in out
    sent = fake_api.requests[-1]["body"]["messages"]
    assert "a + b" in json.dumps(sent) and "log.txt" not in json.dumps(sent)
    assert sent[-1]["content"][-1] == {"type": "text", "text": "Skip the log."}
    with Store(paths.database_path()) as store:
        fork = store.runs()[0]
    assert (fork.parent_run_id, fork.fork_seq, fork.status) == (run_id, command - 1, "finished")
