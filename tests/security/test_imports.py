"""Hostile imports: a JSON export with wrong types, a system role or absurd nesting.

Each is refused with one line, nothing is added, and the history still lists and shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from tests.cli.test_run_cli import agentdesk_here

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def exported(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> dict[str, dict[str, Any]]:
    """A real chat and a real run, exported as JSON by the CLI."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    fake_api.add(Turn("Hello."), Turn("Looking.", (ToolUse("list_files", {}),)), Turn("Done."))
    agentdesk_here(capsys, "chat", "hi")
    agentdesk_here(capsys, "run", "look", "--workspace", str(tmp_path), "--approve", "reads")
    chat = json.loads(agentdesk_here(capsys, "chats", "show", "1", "--format", "json")[1])
    run = json.loads(agentdesk_here(capsys, "runs", "show", "1", "--format", "json")[1])
    return {"chat": chat, "run": run}


def _event(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e for e in data["events"] if e["type"] == kind)["data"]


ATTACKS: dict[str, tuple[str, Edit]] = {
    "string cost": ("run", lambda d: d["run"].update(cost_usd="1.5")),
    "list tokens": ("chat", lambda d: d["messages"][-1].update(input_tokens=[1])),
    "system role": ("chat", lambda d: d["messages"][0].update(role="system")),
    "string duration": ("run", lambda d: _event(d, "ToolCallFinished").update(duration_s="x")),
    "bool steps": ("run", lambda d: d["run"].update(steps=True)),
    "unknown status": ("run", lambda d: d["run"].update(status="owned")),
    "string usage": ("run", lambda d: _event(d, "UsageUpdated")["usage"].update(
        input_tokens="9")),
    "object title": ("chat", lambda d: d["conversation"].update(title={"x": 1})),
    "content not a list": ("chat", lambda d: d["messages"][0].update(content="hi")),
    "deep nesting": ("chat", lambda d: d["messages"][0]["content"][0].update(n="NEST")),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hostile_import_is_refused_in_one_line(
    exported: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str], tmp_path: Path,
    attack: str,
) -> None:
    kind, edit = ATTACKS[attack]
    data = exported[kind]
    edit(data)
    text = json.dumps(data)
    if attack == "deep nesting":
        text = text.replace('"NEST"', "[" * 100_000 + "]" * 100_000)
    path = tmp_path / "hostile.json"
    path.write_text(text)
    code, out, err = agentdesk_here(capsys, "import", str(path))
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: cannot import")
    for command in (("runs",), ("runs", "show", "1", "--format", "md"), ("chats", "show", "1"),
                    ("chats",)):
        code, _, err = agentdesk_here(capsys, *command)
        assert code == 0, err
    assert "2" not in [line.split()[0] for line in agentdesk_here(capsys, "runs")[1].splitlines()]
