"""The Agent page's rows for commands: the sandbox, its network, approvals, the environment.

Where this machine has no working sandbox the checkbox is off and disabled, with the reason.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit

from desktop.core.agent.sandbox import unavailable
from desktop.core.settings import Settings
from desktop.ui.widgets.naming import named

NETWORK_NAMES = {
    "off": "Off: no network",
    "allow": "Only the allowed domains (through a proxy)",
    "on": "On: full network",
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(word for word in text.replace(",", " ").split() if word)


class CommandSettings:
    """The widgets; `add_rows` puts them on a form, `values` reads them back."""

    def __init__(self, current: Settings) -> None:
        problem = unavailable()
        self._stored_sandbox = current.sandbox  # kept as chosen where it cannot be changed
        self.sandbox_box = named(QCheckBox("Run commands in a sandbox (workspace writable, the "
                                           "rest read-only)"), "sandboxCheck",
                                 "Run the agent's commands sandboxed")
        self.sandbox_box.setChecked(current.sandbox and not problem)
        self.sandbox_box.setEnabled(not problem)
        self.sandbox_box.setToolTip(problem or "bubblewrap jails each command")
        self.network_picker = named(QComboBox(), "networkPicker", "Sandboxed commands' network")
        for value, text in NETWORK_NAMES.items():
            self.network_picker.addItem(text, value)
        self.network_picker.setCurrentIndex(max(0, self.network_picker.findData(current.network)))
        self.domains_input = named(QLineEdit(" ".join(current.allowed_domains)),
                                   "allowedDomainsInput", "Domains sandboxed commands may reach")
        self.auto_box = named(QCheckBox("Run sandboxed commands without asking (commands "
                                        "with full network or no sandbox still ask)"),
                              "sandboxAutoApproveCheck", "Run sandboxed commands without asking")
        self.auto_box.setChecked(current.sandbox_auto_approve)
        self.env_input = named(QLineEdit(" ".join(current.command_env)), "commandEnvInput",
                               "Environment variables passed to commands")
        self.env_input.setPlaceholderText("names, e.g. GOPATH NODE_OPTIONS")
        self.note = QLabel(f"No sandbox on this machine: {problem}" if problem else "")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(problem))

    def add_rows(self, form: QFormLayout) -> None:
        form.addRow("Commands", self.sandbox_box)
        form.addRow("", self.note)
        form.addRow("Network", self.network_picker)
        form.addRow("Allowed domains", self.domains_input)
        form.addRow("", self.auto_box)
        form.addRow("Pass variables", self.env_input)

    def values(self) -> dict[str, Any]:
        """The Settings fields these widgets edit, for `dataclasses.replace`."""
        return {
            "sandbox": (self.sandbox_box.isChecked() if self.sandbox_box.isEnabled()
                        else self._stored_sandbox),
            "network": self.network_picker.currentData(),
            "allowed_domains": _words(self.domains_input.text()),
            "sandbox_auto_approve": self.auto_box.isChecked(),
            "command_env": _words(self.env_input.text()),
        }
