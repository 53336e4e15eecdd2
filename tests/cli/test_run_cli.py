"""`agentdesk run` and `agentdesk runs` as a user runs them: `python -m desktop` in a subprocess.

The model is the loopback FakeAPI in this test process, reached through ANTHROPIC_BASE_URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from desktop.cli import main
from desktop.core.agent import sandbox
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from tests.processes import group_alive, group_ended

REPO = Path(__file__).resolve().parents[2]
FIX = ToolUse("edit_file", {"path": "calc.py", "old_text": "a - b", "new_text": "a + b"})
WAIT = ToolUse("run_command", {"command": "echo $$; sleep 30"})


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    return root


def environment(api: FakeAPI | None, home: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if home is not None:
        env["AGENTDESK_HOME"] = str(home)
    if api is not None:
        env.update(ANTHROPIC_BASE_URL=api.url, ANTHROPIC_API_KEY="test")
    return env


def agentdesk(*args: str, env: dict[str, str], **popen: Any) -> subprocess.Popen[str]:
    popen.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", *args],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )


def finish(process: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def call(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    return finish(agentdesk(*args, env=env))


class Pipe:
    """A running process's stdout or stderr, read straight from the pipe with a deadline.

    Reading the file descriptor (never the buffered text stream) keeps select() truthful: what
    was pulled in and not yet returned waits in `pending`, not in a hidden buffer.
    """

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None
        self.fd = stream.fileno()
        self.pending = b""

    def _read_until(self, marker: bytes, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.pending:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self.fd, 4096) if ready else None
            if not chunk:
                ended = "did not appear" if chunk is None else "never came: the process ended"
                raise AssertionError(f"{marker.decode()!r} {ended}; got: {self.pending.decode()}")
            self.pending += chunk

    def _take(self, end: int) -> str:
        taken, self.pending = self.pending[:end], self.pending[end:]
        return taken.decode()

    def line(self, timeout: float = 15) -> str:
        self._read_until(b"\n", timeout)
        return self._take(self.pending.index(b"\n") + 1)

    def until(self, marker: str, timeout: float = 15) -> str:
        """Everything up to and including `marker` (the process keeps running)."""
        self._read_until(marker.encode(), timeout)
        return self._take(self.pending.index(marker.encode()) + len(marker))


@pytest.fixture
def leftover_groups() -> Iterator[list[int]]:
    """Process groups a test made a CLI abandon; killed at the end whatever happened."""
    groups: list[int] = []
    yield groups
    for pgid in groups:  # never this test's own group, nor init's
        if pgid > 1 and pgid != os.getpgrp() and group_alive(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)


def test_run_fixes_the_seed_bug_and_the_runs_can_be_shown(
    fake_api: FakeAPI, workspace: Path
) -> None:
    fake_api.add(
        Turn("Reading.", (ToolUse("read_file", {"path": "calc.py"}),)),
        Turn("Fixing.", (FIX,)),
        Turn("Testing.", (ToolUse("run_command", {"command": "python -m pytest -q"}),)),
        Turn("Fixed add(); the test passes."),
    )
    env = environment(fake_api)
    code, out, err = call(
        "run", "make the tests pass", "--workspace", str(workspace), "--approve", "all", env=env
    )
    assert code == 0, err
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert "1 passed" in fake_api.requests[-1]["body"]["messages"][-1]["content"][0]["content"]
    assert "-> edit_file" in out and "+    return a + b" in out
    assert "· budget 30 steps · $5.00 · 60 min" in out.splitlines()[1]
    assert "1 passed" in out
    assert "Fixed add(); the test passes.\n== finished (4 steps" in out
    assert err.strip().endswith("[run 1]")

    code, out, _ = call("runs", "--json", env=env)
    assert code == 0
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r["status"], r["steps"]) for r in listed] == [(1, "finished", 4)]

    code, markdown, _ = call("runs", "show", "1", env=env)
    assert code == 0
    assert markdown.startswith("# Run 1: make the tests pass\n\n- Status: finished")
    assert "**edit_file**" in markdown and "```diff" in markdown and "1 passed" in markdown

    code, out, _ = call("runs", "show", "1", "--format", "json", env=env)
    exported = json.loads(out)
    assert exported["run"]["summary"] == "Fixed add(); the test passes."
    assert exported["events"][0]["type"] == "RunStarted"
    assert exported["events"][0]["data"]["budget"]["max_steps"] == 30
    assert exported["events"][-1]["type"] == "RunFinished"

    code, _, err = call("runs", "show", "99", env=env)
    assert (code, err.strip()) == (1, "error: no run 99")


def test_ctrl_c_cancels_the_command_and_exits_130(
    fake_api: FakeAPI, workspace: Path, leftover_groups: list[int]
) -> None:
    fake_api.add(Turn("Waiting.", (WAIT,)))
    env = environment(fake_api)
    process = agentdesk("run", "wait", "--workspace", str(workspace), "--approve", "all",
                        "--sandbox", "off", env=env)
    stdout = Pipe(process.stdout)
    shown = stdout.until("-> run_command") + stdout.line()
    pgid = int(stdout.line())
    leftover_groups.append(pgid)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    code, out, _ = finish(process)
    out = stdout.pending.decode() + out
    assert time.monotonic() - sent < 2.0
    assert code == 130
    assert "== cancelled: stopped by the user" in shown + out
    assert group_ended(pgid)
    _, listed, _ = call("runs", "--json", env=env)
    assert json.loads(listed)["status"] == "cancelled"
    _, markdown, _ = call("runs", "show", "1", env=env)
    assert f"```text\n{pgid}\n```\n\n_(the run ended during this call)_" in markdown
    assert markdown.endswith("## Ended: cancelled\n\nstopped by the user\n")


def killed_mid_command(
    fake_api: FakeAPI, workspace: Path, leftover_groups: list[int]
) -> tuple[dict[str, str], int]:
    """A run's process SIGKILLed while its command runs: the environment and the command's
    group, left running as an orphan."""
    fake_api.add(Turn("Waiting.", (WAIT,)))
    env = environment(fake_api)
    process = agentdesk("run", "wait", "--workspace", str(workspace), "--approve", "all",
                        "--sandbox", "off", env=env)  # so $$ is the group id out here
    stdout = Pipe(process.stdout)
    stdout.until("-> run_command")
    stdout.line()
    pgid = int(stdout.line())
    leftover_groups.append(pgid)
    process.kill()
    finish(process)
    assert group_alive(pgid)  # an orphan: nothing else would ever stop it
    return env, pgid


def test_a_crashed_run_is_marked_interrupted_and_its_command_killed_at_the_next_start(
    fake_api: FakeAPI, workspace: Path, leftover_groups: list[int]
) -> None:
    env, pgid = killed_mid_command(fake_api, workspace, leftover_groups)
    _, listed, _ = call("runs", "--json", env=env)
    assert json.loads(listed)["status"] == "interrupted"
    assert group_ended(pgid)


def test_a_sandboxed_command_left_by_a_killed_app_is_gone_after_the_next_start(
    fake_api: FakeAPI, workspace: Path, leftover_groups: list[int]
) -> None:
    if sandbox.unavailable():
        pytest.skip(f"no working bubblewrap: {sandbox.unavailable()}")
    fake_api.add(Turn("Waiting.", (WAIT,)))
    env = environment(fake_api)
    process = agentdesk("run", "wait", "--workspace", str(workspace), "--approve", "all",
                        "--sandbox", "on", "--json", env=env)
    stdout = Pipe(process.stdout)
    shown = stdout.until('"type": "CommandStarted"') + stdout.line()
    started = json.loads(shown.splitlines()[-1])
    pgid = started["pgid"]
    leftover_groups.append(pgid)
    assert started["executor"] == "sandbox" and group_alive(pgid)
    process.kill()  # the jail dies with the app; the next start makes sure of it
    finish(process)
    call("runs", env=env)
    assert group_ended(pgid)


def test_the_terminal_asks_and_a_no_with_a_reason_reaches_the_model(
    fake_api: FakeAPI, workspace: Path
) -> None:
    fake_api.add(Turn("Fixing.", (FIX,)), Turn("Fine, I will leave it."))
    controller, terminal = pty.openpty()
    try:
        process = agentdesk(
            "run", "fix it", "--workspace", str(workspace), env=environment(fake_api),
            stdin=terminal,
        )
        stderr = Pipe(process.stderr)
        stderr.until("Allow edit_file? [y]es / [a]lways / [n]o: ")
        os.write(controller, b"n\n")
        stderr.until("Why not?")
        os.write(controller, b"keep subtraction\n")
        code, out, err = finish(process)
    finally:
        os.close(controller)
        os.close(terminal)
    assert code == 0, err
    assert "?? edit_file needs approval:" in out and "denied: keep subtraction" in out
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a - b\n"
    result = fake_api.requests[-1]["body"]["messages"][-1]["content"][0]
    assert result["content"] == "the user denied this edit_file call: keep subtraction"


def test_the_demo_fixes_the_sample_projects_failing_test_without_a_key(
    tmp_path: Path,
) -> None:
    sample = tmp_path / "calc"
    env = environment(None)
    code, out, _ = call("sample-workspace", str(sample), env=env)
    assert code == 0 and "agentdesk --demo run 'Fix the failing tests'" in out
    before = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=sample,
                            capture_output=True, text=True, timeout=60)
    assert before.returncode == 1  # the sample's test fails
    code, out, err = call("--demo", "run", "Fix the failing tests", "--workspace", str(sample),
                          "--approve", "all", env=env)
    assert code == 0, err
    for call_shown in ("-> list_files", "-> read_file", "-> search", "-> edit_file",
                       "-> run_command"):
        assert call_shown in out
    assert "== finished" in out
    after = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=sample,
                           capture_output=True, text=True, timeout=60)
    assert after.returncode == 0, after.stdout


def test_the_demo_says_it_only_knows_the_sample_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Hello\n\nA tiny project.\n")
    code, out, err = call(
        "run", "look around", "--workspace", str(tmp_path), "--demo", env=environment(None)
    )
    assert code == 0, err
    assert "-> list_files" in out and "the only project I know is the sample one" in out
    assert "== finished" in out


# --- the same entry point in this process: quicker, for what needs no signals or terminal ---


def agentdesk_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def model_env(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    return fake_api


LOOK = Turn("Looking.", (ToolUse("list_files", {}),))


@pytest.mark.parametrize(
    ("turns", "flags", "code", "ending"),
    [
        ([LOOK, Turn("Done.")], [], 0, "== finished (2 steps"),
        ([Turn(status=401)], [], 1, "== failed: authentication failed (401)"),
        ([LOOK, LOOK], ["--max-steps", "1"], 2, "== budget exhausted: max steps (1)"),
        ([Turn("No.", thinking="I won't.", stop_reason="refusal")], [], 1,
         "== failed: the model refused to continue"),
    ],
)
def test_exit_codes_say_how_the_run_ended(
    model_env: FakeAPI, workspace: Path, capsys: pytest.CaptureFixture[str],
    turns: list[Turn], flags: list[str], code: int, ending: str,
) -> None:
    model_env.add(*turns)
    result = agentdesk_here(capsys, "run", "go", "--workspace", str(workspace), *flags)
    assert result[0] == code, result[2]
    assert ending in result[1].splitlines()[-1]
    assert "ThinkingDelta" not in result[1]


def test_json_lines_and_no_terminal_means_ask_is_denied(
    model_env: FakeAPI, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_env.add(Turn("Fixing.", (FIX,)), Turn("I was not allowed to edit."))
    code, out, err = agentdesk_here(
        capsys, "run", "fix it", "--workspace", str(workspace), "--json"
    )
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["type"] == "RunStarted" and events[-1]["type"] == "RunFinished"
    resolved = next(e for e in events if e["type"] == "ApprovalResolved")
    assert (resolved["allow"], resolved["reason"]) == (False, "no terminal to ask")
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a - b\n"
    result = model_env.requests[-1]["body"]["messages"][-1]["content"][0]
    assert result["content"] == "the user denied this edit_file call: no terminal to ask"


@pytest.mark.parametrize("mode", ["reads", "none"])
def test_approve_reads_and_none_refuse_changes_without_asking(
    model_env: FakeAPI, workspace: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    model_env.add(Turn("", (ToolUse("read_file", {"path": "calc.py"}), FIX)), Turn("ok"))
    code, out, _ = agentdesk_here(
        capsys, "run", "fix", "--workspace", str(workspace), "--approve", mode
    )
    assert code == 0
    assert "needs approval" not in out
    assert "the policy denied this edit_file call" in out
    results = model_env.requests[-1]["body"]["messages"][-1]["content"]
    assert [r["is_error"] for r in results] == [False, True]
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a - b\n"


def test_a_missing_workspace_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = agentdesk_here(capsys, "run", "go", "--workspace", str(tmp_path / "nope"))
    assert code == 1
    assert err.strip() == f"error: the workspace {str(tmp_path / 'nope')!r} is not a folder"


def test_a_killed_run_is_continued_to_its_end_and_then_takes_a_follow_up(
    fake_api: FakeAPI, workspace: Path, leftover_groups: list[int]
) -> None:
    env, pgid = killed_mid_command(fake_api, workspace, leftover_groups)

    fake_api.add(Turn("It was interrupted; all is well now."))
    code, out, err = call("runs", "continue", "1", "--approve", "all", env=env)
    assert code == 0, err
    assert "== continued after it was interrupted" in out and "== finished" in out
    assert group_ended(pgid)  # what the killed run left running was stopped first
    [result] = fake_api.requests[-1]["body"]["messages"][-1]["content"]
    assert result["is_error"] and "interrupted" in result["content"]

    code, _, err = call("runs", "continue", "1", env=env)
    assert (code, err.strip()) == (1, "error: a finished run goes on only with a follow-up message")
    fake_api.add(Turn("README updated too."))
    code, out, _ = call("runs", "continue", "1", "now also update the README", env=env)
    assert code == 0 and "== continued after it finished: now also update the README" in out
    sent = fake_api.requests[-1]["body"]["messages"]
    assert sent[-2:] == [
        {"role": "assistant", "content": [
            {"type": "text", "text": "It was interrupted; all is well now."}]},
        {"role": "user", "content": [{"type": "text", "text": "now also update the README"}]},
    ]
    _, listed, _ = call("runs", "--json", env=env)
    assert (json.loads(listed)["status"], json.loads(listed)["steps"]) == ("finished", 3)


def test_a_runs_steps_ask_for_the_max_tokens_the_settings_give(
    model_env: FakeAPI, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.core import settings

    settings.save(settings.Settings(agent_max_tokens=1500, max_tokens=300))
    model_env.add(LOOK, Turn("Done."))
    code, _, err = agentdesk_here(capsys, "run", "go", "--workspace", str(workspace))
    assert code == 0, err
    asked = [r["body"]["max_tokens"] for r in model_env.requests if r["path"] == "/v1/messages"]
    assert asked == [1500, 1500]  # the agent's own limit, not the chat's


def test_a_run_goes_on_with_the_profile_it_was_made_with(
    model_env: FakeAPI, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.core import settings
    from desktop.core.model.providers import PRESETS, Provider

    with FakeAPI() as local:
        settings.save(settings.Settings(providers=(*PRESETS, Provider("Local", local.url))))
        local.add(Turn("Done here."), Turn("Went on here too."))
        code, _, err = agentdesk_here(capsys, "--provider", "Local", "run", "go",
                                      "--workspace", str(workspace))
        assert code == 0, err
        run_id = int(err.strip().splitlines()[-1].strip("[]").split()[-1])

        code, _, err = agentdesk_here(capsys, "runs", "continue", str(run_id), "and more")
        assert code == 0, err
        assert len(local.requests) == 2  # the local endpoint again,
        assert model_env.requests == []  # never the default profile's


def test_the_run_list_counts_in_words_and_files_says_when_there_are_none(
    model_env: FakeAPI, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_env.add(Turn("Nothing to change."))
    code, _, err = agentdesk_here(capsys, "run", "look", "--workspace", str(workspace))
    assert code == 0, err
    code, out, _ = agentdesk_here(capsys, "runs")
    assert " 1 step " in out and "1 steps" not in out
    run_id = out.split()[0]
    code, out, err = agentdesk_here(capsys, "runs", "files", run_id)
    assert (code, out, err.strip()) == (0, "", "no file changed")


def test_a_run_goes_on_with_another_model_when_told(
    model_env: FakeAPI, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_env.add(Turn("First part."), Turn("Second part."))
    code, _, err = agentdesk_here(capsys, "run", "go", "--workspace", str(workspace),
                                  "--model", "model-a")
    assert code == 0, err
    run_id = int(err.strip().splitlines()[-1].strip("[]").split()[-1])
    code, _, err = agentdesk_here(capsys, "runs", "continue", str(run_id), "more",
                                  "--model", "model-b")
    assert code == 0, err
    asked = [r["body"]["model"] for r in model_env.requests if r["path"] == "/v1/messages"]
    assert asked == ["model-a", "model-b"]
    code, out, _ = agentdesk_here(capsys, "runs", "show", str(run_id), "--format", "json")
    assert json.loads(out)["run"]["model"] == "model-b"
