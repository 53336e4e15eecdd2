"""The settings dialog's MCP page: statuses, Test, enable/disable and Import…, on OK."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.core import settings
from desktop.ui.settings.dialog import SettingsDialog
from desktop.ui.shell.main_window import MainWindow
from tests.ui.chat.helpers import WAIT_MS

SERVER = Path(__file__).parents[2] / "mcp_servers" / "notes_server.py"
START_MS = 20000


def configure(servers: dict[str, object]) -> None:
    settings.config_path().write_text(json.dumps({"mcpServers": servers}))


def open_mcp_page(qtbot: QtBot, window: MainWindow) -> SettingsDialog:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    [dialog] = [d for d in window.findChildren(QDialog, "settingsDialog") if d.isVisible()]
    assert isinstance(dialog, SettingsDialog)
    dialog.tabs.setCurrentWidget(dialog.mcp_page)
    return dialog


def press_ok(qtbot: QtBot, dialog: SettingsDialog) -> None:
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)


def test_test_shows_what_a_server_offers_or_why_it_failed(
    qtbot: QtBot, window: MainWindow
) -> None:
    configure({  # names no other test's servers have: the statuses are the app's, shared
        "page-notes": {"command": sys.executable, "args": [str(SERVER)]},
        "page-broken": {"command": sys.executable, "args": [str(SERVER), "--fail"]},
    })
    page = open_mcp_page(qtbot, window).mcp_page
    listed = [page.server_list.item(i).text() for i in range(page.server_list.count())]
    assert listed == ["page-notes — not started yet", "page-broken — not started yet"]

    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Status: ready" in page.details.text(), timeout=START_MS)
    assert "add_note" in page.details.text() and "notes://all" in page.details.text()
    assert "notes server" in page.stderr_view.toPlainText()
    assert page.server_list.item(0).text() == "page-notes — ready"

    page.server_list.setCurrentRow(1)
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Status: failed" in page.details.text(), timeout=START_MS)
    assert "Why: " in page.details.text()
    assert "no notebook configured" in page.stderr_view.toPlainText()


def test_disable_and_import_are_written_on_ok(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    configure({"notes": {"command": sys.executable, "args": [str(SERVER)]}})
    claude = tmp_path / "claude_desktop_config.json"
    claude.write_text(json.dumps({"mcpServers": {
        "weather": {"command": "npx", "args": ["-y", "weather-mcp"]},
        "notes": {"command": "other"},
    }}))
    dialog = open_mcp_page(qtbot, window)
    page = dialog.mcp_page
    page.choose_file = lambda _parent: str(claude)

    box = page.enabled_box
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert "notes (already configured)" in page.problems.text()
    assert json.loads(settings.config_path().read_text())["mcpServers"].keys() == {"notes"}
    press_ok(qtbot, dialog)

    servers = json.loads(settings.config_path().read_text())["mcpServers"]
    assert servers["notes"]["disabled"] is True and servers["notes"]["command"] == sys.executable
    assert servers["weather"] == {"command": "npx", "args": ["-y", "weather-mcp"]}
