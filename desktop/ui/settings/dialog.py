"""`settingsDialog` (Ctrl+,): General, Providers, Agent (budgets, approvals, where commands
run) and MCP servers, saved to config.json on OK.

OK writes the keys first (keyring, or the owner-only file with consent) and then the config
file; if either fails the dialog stays open and says why, so nothing is half-saved without the
user knowing. The keyring is asked while the dialog opens and when OK is pressed: the user is
waiting on the dialog then, never on the window. `saved` holds the settings once accepted, and
`changed_keys()` the keys it saved or deleted, so the window switches over without asking the
keyring again.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.model.client import DEFAULT_MODEL
from desktop.core.secrets import KeyStorageError, KeyStore
from desktop.core.settings import MAX_TEMPERATURE, Settings
from desktop.ui.settings.command_settings import CommandSettings
from desktop.ui.settings.mcp_page import McpPage
from desktop.ui.settings.provider_page import ProviderPage
from desktop.ui.shell.settings_store import SettingsStore
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain

THEME_NAMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
NO_TEMPERATURE = -0.1
"""The spin box's lowest value, shown as "the model's default" (no temperature is sent)."""
COMPACT_RANGE = (20, 95)
"""Percent, as config.json allows: above 95 % the reply itself may not fit."""
POLICY_NAMES = {
    "ask": "Ask before edits and commands (reading runs freely)",
    "reads": "Only reading: edits and commands are refused",
    "all": "Allow everything without asking",
}


def _number(
    box: QSpinBox | QDoubleSpinBox, value: float, bounds: tuple[float, float], *,
    step: float = 0, suffix: str = "", special: str = "",
) -> None:
    """Set up a number field: its range, step, unit and the word its lowest value shows."""
    box.setRange(*bounds)  # type: ignore[arg-type]
    if step:
        box.setSingleStep(step)  # type: ignore[arg-type]
    box.setSuffix(suffix)
    box.setSpecialValueText(special)
    box.setValue(value)  # type: ignore[arg-type]


def _picker(name: str, accessible: str, items: dict[str, str], current: str) -> QComboBox:
    picker = named(QComboBox(), name, accessible)
    for value, text in items.items():
        picker.addItem(text, value)
    picker.setCurrentIndex(max(0, picker.findData(current)))
    return picker


class SettingsDialog(QDialog):
    """Edits a copy of the settings; nothing changes until OK succeeds."""

    def __init__(self, store: SettingsStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "settingsDialog", "Settings")
        self.setWindowTitle("Settings")
        self.store = store
        self.current = current = store.fresh()
        self.saved: Settings | None = None
        keys = KeyStore(file_allowed=current.key_file_allowed)
        found = {p.name: keys.lookup(p.name) for p in current.providers if not p.is_demo}
        self.provider_page = ProviderPage(
            current.providers, found, keys.keyring_status(), current.key_file_allowed
        )
        self.theme_picker = _picker("themePicker", "Theme", THEME_NAMES, current.theme)
        self.default_provider_picker = named(QComboBox(), "defaultProviderPicker",
                                             "The provider new chats and runs use")
        self.model_input = named(QLineEdit(current.model), "defaultModelInput",
                                 "The model new chats and runs start with")
        self.max_tokens_input = named(QSpinBox(), "maxTokensInput", "Most tokens in a reply")
        self.temperature_input = named(QDoubleSpinBox(), "temperatureInput", "Temperature")
        self.thinking_input = named(QSpinBox(), "thinkingBudgetInput",
                                    "Tokens the model may think before answering")
        self.idle_input = named(QSpinBox(), "streamIdleTimeoutInput",
                                "Seconds of silence before a reply is given up")
        self.steps_input = named(QSpinBox(), "defaultMaxSteps", "Default most steps of a run")
        self.cost_input = named(QDoubleSpinBox(), "defaultMaxCost", "Default most cost of a run")
        self.wall_input = named(QSpinBox(), "defaultMaxMinutes", "Default longest run, minutes")
        self.step_tokens_input = named(QSpinBox(), "agentMaxTokensInput",
                                       "Most tokens in one step's reply of an agent run")
        self.checkpoints_input = named(QSpinBox(), "checkpointStorageInput",
                                       "Most disk space kept for rewinding runs' files")
        self.compact_input = named(QSpinBox(), "compactAtInput",
                                   "Share of the context window at which a conversation is "
                                   "compacted (old tool outputs first, then a summary)")
        self.policy_picker = _picker("approvalPolicyPicker", "Default approval policy",
                                     POLICY_NAMES, current.approval_policy)
        self.commands = CommandSettings(current)
        self.mcp_page = McpPage()
        self.error_label = plain(named(QLabel(), "settingsError"))
        self.tabs = named(QTabWidget(), "settingsTabs")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._build()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.provider_page.namesChanged.connect(self.on_provider_names_changed)
        self.on_provider_names_changed()
        self.resize(720, 500)

    def _build(self) -> None:
        current = self.current
        self.model_input.setPlaceholderText(f"the provider's default ({DEFAULT_MODEL})")
        temperature = current.temperature
        _number(self.max_tokens_input, current.max_tokens, (1, 1_000_000))
        _number(self.temperature_input, NO_TEMPERATURE if temperature is None else temperature,
                (NO_TEMPERATURE, MAX_TEMPERATURE), step=0.1, special="the model's default")
        self.temperature_input.setDecimals(2)
        _number(self.thinking_input, current.thinking_budget, (0, 200_000), step=1024,
                suffix=" tokens", special="off")
        _number(self.idle_input, round(current.stream_idle_timeout_s), (5, 3600), suffix=" s")
        _number(self.steps_input, current.max_steps, (1, 1000))
        _number(self.cost_input, current.max_cost_usd, (0.01, 10_000.0))
        self.cost_input.setPrefix("$")
        _number(self.wall_input, max(1, round(current.max_wall_s / 60)), (1, 24 * 60),
                suffix=" min")
        _number(self.step_tokens_input, current.agent_max_tokens, (256, 1_000_000), step=1024)
        _number(self.checkpoints_input, current.checkpoint_storage_mb, (16, 1_000_000), step=256,
                suffix=" MB, the oldest runs' dropped first")
        _number(self.compact_input, round(current.compact_at * 100), COMPACT_RANGE,
                suffix=" % of the context window")
        general = QWidget()
        form = QFormLayout(general)
        form.addRow("Theme", self.theme_picker)
        form.addRow("Provider", self.default_provider_picker)
        form.addRow("Model", self.model_input)
        form.addRow("Max tokens per chat reply", self.max_tokens_input)
        form.addRow("Temperature", self.temperature_input)
        form.addRow("Extended thinking", self.thinking_input)
        form.addRow("Give up after silence", self.idle_input)
        agent = QWidget()
        form = QFormLayout(agent)
        form.addRow("Max steps", self.steps_input)
        form.addRow("Max cost", self.cost_input)
        form.addRow("Max time", self.wall_input)
        form.addRow("Approvals", self.policy_picker)
        form.addRow("Max tokens per step", self.step_tokens_input)
        form.addRow("Compact at", self.compact_input)
        form.addRow("Rewind storage", self.checkpoints_input)
        self.commands.add_rows(form)
        form.addRow("", QLabel("Budgets, approvals and commands for new runs; a run keeps the "
                               "ones it started with."))
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.provider_page, "Providers")
        self.tabs.addTab(agent, "Agent")
        self.tabs.addTab(self.mcp_page, "MCP servers")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def edited(self) -> Settings:
        """The settings as the form has them. Starts from the file, so what another part of the
        app saved meanwhile (recent workspaces) is kept."""
        return dataclasses.replace(
            self.store.fresh(),
            theme=self.theme_picker.currentData(),
            provider=self.default_provider_picker.currentText(),
            model=self.model_input.text().strip(),
            max_tokens=self.max_tokens_input.value(),
            temperature=self._temperature(),
            thinking_budget=self.thinking_input.value(),
            stream_idle_timeout_s=float(self.idle_input.value()),
            max_steps=self.steps_input.value(),
            max_cost_usd=self.cost_input.value(),
            max_wall_s=self.wall_input.value() * 60.0,
            compact_at=self.compact_input.value() / 100,
            agent_max_tokens=self.step_tokens_input.value(),
            checkpoint_storage_mb=self.checkpoints_input.value(),
            approval_policy=self.policy_picker.currentData(),
            providers=self.provider_page.providers(),
            key_file_allowed=self.provider_page.file_allowed(),
            **self.commands.values(),
        )

    def _temperature(self) -> float | None:
        value = round(self.temperature_input.value(), 2)
        return None if value < 0 else value

    def changed_keys(self) -> dict[str, str | None]:
        """{profile: its key from now on} for the keys OK saved or deleted."""
        return self.provider_page.changed_keys()

    def accept(self) -> None:
        """Save keys, then the config file; stay open and say why if either fails."""
        if problem := self.provider_page.problem():
            self._show_error(problem)
            return
        edited = self.edited()
        keys = KeyStore(file_allowed=edited.key_file_allowed)
        try:
            for change in self.provider_page.key_changes():
                if change.key is None:
                    keys.delete(change.provider)
                else:
                    keys.save(change.provider, change.key)
            if self.current.key_file_allowed and not edited.key_file_allowed:
                keys.delete_key_file()
            self.store.save(edited)
            self.mcp_page.apply()
        except KeyStorageError as exc:
            self._show_error(f"The key was not saved: {exc}.")
            return
        except OSError as exc:
            self._show_error(f"The settings were not saved: {exc}")
            return
        self.saved = edited
        self.provider_page.stop_test()
        self.mcp_page.stop_test()
        super().accept()

    def reject(self) -> None:
        self.provider_page.stop_test()
        self.mcp_page.stop_test()
        super().reject()

    def on_provider_names_changed(self) -> None:
        picker = self.default_provider_picker
        chosen = picker.currentText() or self.current.provider
        picker.blockSignals(True)
        picker.clear()
        picker.addItems([p.name for p in self.provider_page.providers()])
        picker.setCurrentText(chosen)
        picker.blockSignals(False)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
