"""Attacks through what the terminal commands print: escape sequences and echoed keys.

Model text, tool arguments and output, stored titles and server error text reach the
terminal; none may move the cursor, set the title, write the clipboard or show a key.
"""

from __future__ import annotations

import json
import os
import pty
import sqlite3
from pathlib import Path

import pytest

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from tests.cli.test_run_cli import Pipe, agentdesk, agentdesk_here, environment, finish

ERASE = "\x1b[2K\x1b[1G"
TITLE = "\x1b]0;owned\x07"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
CSI8 = "\x9b2J"
KEY = "sk-ant-api03-" + "Q" * 40


@pytest.fixture
def model_env(fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "configured-key-value-123")
    return fake_api


def raw_controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


def test_the_approval_prompt_shows_the_real_command(
    fake_api: FakeAPI, tmp_path: Path
) -> None:
    command = f"touch X #{ERASE}$ ls -la"
    fake_api.add(Turn("", (ToolUse("run_command", {"command": command}),)), Turn("ok"))
    controller, terminal = pty.openpty()
    try:
        process = agentdesk("run", "look", "--workspace", str(tmp_path),
                            env=environment(fake_api), stdin=terminal)
        Pipe(process.stderr).until("[n]o: ")
        os.write(controller, b"n\n\n")
        code, out, _ = finish(process)
    finally:
        os.close(controller)
        os.close(terminal)
    assert code == 0
    assert "touch X #\\u001b[2K\\u001b[1G$ ls -la" in out
    assert not raw_controls(out) and not (tmp_path / "X").exists()


@pytest.mark.parametrize("attack", [TITLE, CLIPBOARD, ERASE, CSI8, "\r$ fake prompt"])
def test_model_text_cannot_drive_the_terminal(
    model_env: FakeAPI, capsys: pytest.CaptureFixture[str], attack: str
) -> None:
    model_env.add(Turn(f"Hello {attack} there"))
    code, out, err = agentdesk_here(capsys, "chat", "hi")
    assert code == 0 and "Hello " in out
    assert not raw_controls(out + err)


def test_tool_output_cannot_write_the_clipboard(
    model_env: FakeAPI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "evil.txt").write_text(f"before {CLIPBOARD} after\n")
    model_env.add(Turn("", (ToolUse("read_file", {"path": "evil.txt"}),)), Turn("done"))
    code, out, _ = agentdesk_here(capsys, "run", "read", "--workspace", str(tmp_path),
                                  "--approve", "reads")
    assert code == 0 and "before \\u001b]52;c;" in out and not raw_controls(out)


def test_tool_arguments_are_escaped(
    model_env: FakeAPI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model_env.add(Turn("", (ToolUse("search", {"query": f"x{TITLE}"}),)), Turn("done"))
    _, out, _ = agentdesk_here(capsys, "run", "look", "--workspace", str(tmp_path),
                               "--approve", "reads")
    assert "-> search" in out and not raw_controls(out)


def test_stored_titles_and_goals_are_escaped_when_listed(
    model_env: FakeAPI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model_env.add(Turn("done"), Turn("hi"))
    agentdesk_here(capsys, "run", f"goal {TITLE}", "--workspace", str(tmp_path))
    agentdesk_here(capsys, "chat", f"chat {ERASE}")
    listed = "".join(agentdesk_here(capsys, *args)[1] for args in (
        ("runs",), ("runs", "show", "1"), ("chats", "show", "1"), ("search", "goal")))
    assert "goal \\u001b]0;owned\\u0007" in listed and not raw_controls(listed)


def test_json_output_stays_json_with_the_same_text(
    model_env: FakeAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    model_env.add(Turn(f"a{CSI8}b"))
    agentdesk_here(capsys, "chat", "hi")
    _, out, _ = agentdesk_here(capsys, "chats", "show", "1", "--format", "json")
    assert not raw_controls(out)
    assert json.loads(out)["messages"][-1]["content"][0]["text"] == f"a{CSI8}b"


@pytest.mark.parametrize("echoed", [KEY, "configured-key-value-123"])
def test_a_key_echoed_in_an_error_is_neither_printed_nor_stored(
    model_env: FakeAPI, capsys: pytest.CaptureFixture[str], isolated_env: Path, echoed: str
) -> None:
    model_env.add(Turn(status=400, error_type="invalid_request_error",
                       error_message=f"bad key {echoed} given"))
    code, out, err = agentdesk_here(capsys, "chat", "hi")
    assert code == 1 and "bad key [redacted] given" in err
    assert echoed not in out + err
    with sqlite3.connect(isolated_env / "agentdesk.db") as db:
        errors = [row[0] for row in db.execute("SELECT error FROM messages")]
    assert any("[redacted]" in (e or "") for e in errors)
    assert not any(echoed in (e or "") for e in errors)


def test_a_key_echoed_in_a_run_error_is_not_stored(
    model_env: FakeAPI, capsys: pytest.CaptureFixture[str], isolated_env: Path, tmp_path: Path
) -> None:
    model_env.add(Turn(status=400, error_type="invalid_request_error",
                       error_message=f"bad key {KEY}"))
    code, out, err = agentdesk_here(capsys, "run", "x", "--workspace", str(tmp_path))
    assert code == 1 and KEY not in out + err
    with sqlite3.connect(isolated_env / "agentdesk.db") as db:
        stored = " ".join(str(row) for row in db.execute("SELECT error FROM runs"))
        stored += " ".join(row[0] for row in db.execute("SELECT data FROM run_events"))
    assert KEY not in stored and "[redacted]" in stored
