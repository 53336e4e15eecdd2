"""The settings dialog's MCP page: the servers in config.json, each with its status (starting,
ready, failed and why), its tools, resources and prompts, and what it printed; enable or
disable one, *Test* it (started once, then stopped), or *Import…* another app's servers.

Enabling, disabling and importing are kept until the dialog's OK, like every other setting;
a test runs at once, in the background, and what it finds shows as it arrives.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.mcp import config as mcp_config
from desktop.core.mcp.config import ServerConfig
from desktop.core.mcp.importers import ImportFailed, read_file
from desktop.core.mcp.status import BOARD, ServerStatus
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain

STATE_WORDS = {"stopped": "not started yet", "starting": "starting…", "ready": "ready",
               "failed": "failed"}
FileChooser = Callable[[QWidget], str]
"""(parent) -> the file to import, or '' when cancelled."""


def ask_config_file(parent: QWidget) -> str:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Import MCP servers", str(Path.home()),
        "MCP configuration (*.json *.yaml *.yml);;All files (*)")
    return path


def status_text(config: ServerConfig, status: ServerStatus) -> str:
    """What the page says of a server: how it is reached, its state and what it offers."""
    lines = [config.describe(), f"Status: {STATE_WORDS[status.state]}"]
    if config.disabled:
        lines[1] = "Status: disabled (runs do not start it)"
    if status.error:
        lines.append(f"Why: {status.error}")
    if status.tools:
        lines.append("Tools: " + ", ".join(tool.name for tool in status.tools))
    if status.resources:
        lines.append("Resources: " + ", ".join(status.resources))
    if status.prompts:
        lines.append("Prompts: " + ", ".join(status.prompts))
    if config.auto_approve:
        lines.append("Runs without asking: " + ", ".join(config.auto_approve))
    return "\n".join(lines)


class McpPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        loaded = mcp_config.load()
        self.servers = list(loaded.servers)
        self.imported: list[ServerConfig] = []
        self.choose_file: FileChooser = ask_config_file
        self._test: asyncio.Task[ServerStatus] | None = None
        self.server_list = named(QListWidget(), "mcpServerList", "MCP servers")
        self.enabled_box = named(QCheckBox("Start it for runs"), "mcpServerEnabled",
                                 "Runs offer this server's tools")
        self.details = plain(named(QLabel(), "mcpServerStatus", "The server's status"))
        self.details.setWordWrap(True)
        self.stderr_view = named(QPlainTextEdit(), "mcpServerOutput",
                                 "What the server printed (its stderr)")
        self.stderr_view.setReadOnly(True)
        self.test_button = named(QPushButton("Test"), "mcpTestButton",
                                 "Start the server once, list what it offers, stop it")
        self.import_button = named(QPushButton("Import…"), "mcpImportButton",
                                   "Add the servers of Claude Desktop, Cline, Cursor or goose")
        self.problems = plain(named(QLabel("\n".join(loaded.problems)), "mcpProblems"))
        self.problems.setWordWrap(True)
        self.problems.setVisible(bool(loaded.problems))
        self._build()
        self.server_list.currentRowChanged.connect(self.on_server_chosen)
        self.enabled_box.toggled.connect(self.on_enabled_toggled)
        self.test_button.clicked.connect(self.on_test_clicked)
        self.import_button.clicked.connect(self.on_import_clicked)
        self._unwatch = BOARD.watch(self.on_status_changed)
        self.destroyed.connect(self._unwatch)
        self._fill()

    def _build(self) -> None:
        left = QVBoxLayout()
        left.addWidget(self.server_list, 1)
        left.addWidget(self.import_button)
        right = QVBoxLayout()
        right.addWidget(self.details)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enabled_box)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        right.addLayout(buttons)
        right.addWidget(QLabel("What it printed"))
        right.addWidget(self.stderr_view, 1)
        top = QHBoxLayout()
        top.addLayout(left, 2)
        top.addLayout(right, 5)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.problems)
        layout.addWidget(QLabel("Servers are configured in config.json under mcpServers, as in "
                                "Claude Desktop; runs start the enabled ones."))

    # --- what the dialog applies on OK -------------------------------------------------------

    def apply(self) -> None:
        """Write the imports and the enabled states to config.json (OSError if it can't)."""
        if self.imported:
            mcp_config.add(self.imported)
        before = {s.name: s.disabled for s in mcp_config.load().servers}
        for server in self.servers:
            if before.get(server.name, server.disabled) != server.disabled:
                mcp_config.set_disabled(server.name, server.disabled)

    def stop_test(self) -> None:
        if self._test is not None:
            self._test.cancel()

    # --- slots ------------------------------------------------------------------------------

    def on_server_chosen(self, row: int) -> None:
        server = self._server(row)
        for widget in (self.enabled_box, self.test_button):
            widget.setEnabled(server is not None)
        if server is None:
            self.details.setText("No MCP server configured: Import… adds another app's.")
            self.stderr_view.clear()
            return
        self.enabled_box.blockSignals(True)
        self.enabled_box.setChecked(not server.disabled)
        self.enabled_box.blockSignals(False)
        self._show(server)

    def on_enabled_toggled(self, enabled: bool) -> None:
        row = self.server_list.currentRow()
        if (server := self._server(row)) is not None:
            self.servers[row] = dataclasses.replace(server, disabled=not enabled)
            self.server_list.item(row).setText(self._label(self.servers[row]))
            self._show(self.servers[row])

    def on_test_clicked(self) -> None:
        from desktop.core.mcp.probe import probe

        if (server := self._server(self.server_list.currentRow())) is not None:
            self.stop_test()
            self._test = asyncio.ensure_future(probe(server))

    def on_import_clicked(self) -> None:
        path = self.choose_file(self)
        if not path:
            return
        try:
            found = read_file(Path(path))
        except ImportFailed as exc:
            self._say(f"Nothing imported: {exc}")
            return
        known = {s.name for s in self.servers}
        new = [s for s in found.servers if s.name not in known]
        self.imported += new
        self.servers += new
        skipped = [f"{s.name} (already configured)" for s in found.servers if s.name in known]
        self._say("\n".join([f"Imported from {found.source}: "
                             f"{', '.join(s.name for s in new) or 'no new servers'}",
                             *skipped, *found.skipped]))
        self._fill()

    def on_status_changed(self, status: ServerStatus) -> None:
        row = self.server_list.currentRow()
        if (server := self._server(row)) is not None and server.name == status.name:
            self._show(server)
        for index, configured in enumerate(self.servers):
            if configured.name == status.name:
                self.server_list.item(index).setText(self._label(configured))

    # --- internals --------------------------------------------------------------------------

    def _fill(self) -> None:
        self.server_list.clear()
        for server in self.servers:
            self.server_list.addItem(self._label(server))
        self.server_list.setCurrentRow(0)
        self.on_server_chosen(self.server_list.currentRow())

    def _label(self, server: ServerConfig) -> str:
        state = "disabled" if server.disabled else STATE_WORDS[BOARD.get(server.name).state]
        return f"{server.name} — {state}"

    def _server(self, row: int) -> ServerConfig | None:
        return self.servers[row] if 0 <= row < len(self.servers) else None

    def _show(self, server: ServerConfig) -> None:
        status = BOARD.get(server.name)
        self.details.setText(status_text(server, status))
        self.stderr_view.setPlainText(status.stderr)

    def _say(self, text: str) -> None:
        self.problems.setText(text)
        self.problems.show()
