"""An MCP server's tools in the task pane: the server's start in the timeline, its calls asked
for and shown under the tool's own name and the server's."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core import settings
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from tests.ui.task.helpers import (
    TaskUI,
    card,
    click,
    find,
    rows,
    start_run,
    task_ui,
    wait_ended,
    wait_for_approval,
)

SERVER = Path(__file__).parents[2] / "mcp_servers" / "notes_server.py"


@pytest.fixture
def ui(qtbot: QtBot, qloop: object, store: Store, client: ModelClient) -> Iterator[TaskUI]:
    with task_ui(qtbot, store, client) as opened:
        yield opened


def test_a_servers_tool_is_asked_for_and_shown_with_its_server(
    qtbot: QtBot, ui: TaskUI, fake_api: FakeAPI, tmp_path: Path
) -> None:
    settings.config_path().write_text(json.dumps(
        {"mcpServers": {"notes": {"command": sys.executable, "args": [str(SERVER)]}}}))
    fake_api.add(
        Turn("Saving it.", (ToolUse("mcp__notes__add_note", {"title": "milk", "body": "2 l"}),)),
        Turn("Saved."),
    )
    (tmp_path / "project").mkdir()
    pane = ui.pane
    run_id = start_run(qtbot, pane, "Note the milk", tmp_path / "project")

    panel = wait_for_approval(qtbot, pane, "add_note · notes", timeout=20000)
    assert "notes" in find(panel, "approvalQuestion").text()
    click(qtbot, panel.approve_button)
    wait_ended(qtbot, pane, run_id, timeout=20000)

    assert any(row.startswith("notes is ready: ") and "add_note" in row for row in rows(pane))
    assert card(pane, "mcp__notes__add_note").status == "ok"
    request = fake_api.requests[-1]["body"]
    [result] = [b for b in request["messages"][-1]["content"] if b["type"] == "tool_result"]
    assert "saved note 'milk'" in str(result["content"])
