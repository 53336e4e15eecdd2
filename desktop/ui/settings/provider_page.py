"""The settings dialog's Providers tab: the profiles, each one's base URL, key and models.

Keys are never shown: the key field is empty, says where the saved key is, and whatever is
typed into it replaces that key when the dialog is accepted (`KeyChange`s the dialog applies).
Where there is no keyring the tab says so and offers the two ways out: the environment
variable, or, if the user ticks the box, a file only they can read. "Test connection" asks the
endpoint for its models with what is in the form.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.model.client import ModelError
from desktop.core.model.providers import BUILT_IN, Provider, client_for
from desktop.core.secrets import FoundKey, KeyringStatus, key_file_path
from desktop.ui.shell.sdk_import import sdk_ready
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain

SOURCES = {
    "environment": "Using ANTHROPIC_API_KEY from the environment (it comes first)",
    "keyring": "A key is saved in the system keyring: type here to replace it",
    "file": "A key is saved in the owner-only key file: type here to replace it",
    "none": "No key saved",
}
SHOWN_MODELS = 4



NO_KEY_STORE = "no keyring here: tick “Keep keys in …” below to save a key"
"""Why the key field takes no typing: there is nowhere to keep a key yet."""

@dataclass
class Row:
    """A profile as edited: where it came from, and what happens to its key."""

    provider: Provider
    origin: str | None
    """Its name when the dialog opened; None for a profile added now."""
    found: FoundKey
    typed_key: str = ""
    forget: bool = False


@dataclass(frozen=True)
class KeyChange:
    """What accepting the dialog does to one profile's saved key."""

    provider: str
    key: str | None
    """The key to save under `provider`; None to delete what is saved."""


CACHING_CHOICES = (
    ("auto", "on for Anthropic's API only"), ("on", "on"), ("off", "off (the server refuses it)"),
)
CACHING_VALUES: dict[str, bool | None] = {"auto": None, "on": True, "off": False}


def caching_choice(value: bool | None) -> str:
    return next(choice for choice, meant in CACHING_VALUES.items() if meant is value)


class ProviderPage(QWidget):
    """The profiles as a list, and a form for the selected one."""

    namesChanged = Signal()

    def __init__(
        self,
        providers: tuple[Provider, ...],
        found: dict[str, FoundKey],
        keyring: KeyringStatus,
        file_allowed: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rows = [Row(p, p.name, found.get(p.name, FoundKey(None, "none"))) for p in providers]
        self.keyring = keyring
        self._file_allowed_at_open = file_allowed
        self._removed: list[str] = []
        self._test: asyncio.Task[None] | None = None
        self.provider_list = named(QListWidget(), "providerList", "Provider profiles")
        self.add_button = named(QPushButton("Add"), "addProviderButton", "Add a profile")
        self.remove_button = named(QPushButton("Remove"), "removeProviderButton",
                                   "Remove the selected profile")
        self.name_input = named(QLineEdit(), "providerNameInput", "Profile name")
        self.base_url_input = named(QLineEdit(), "baseUrlInput", "Base URL")
        self.key_input = named(QLineEdit(), "apiKeyInput", "API key")
        self.key_status = named(QLabel(), "keySource", "Where the key is kept")
        self.forget_button = named(QPushButton("Forget key"), "forgetKeyButton",
                                   "Delete the saved key when you press OK")
        self.models_input = named(QLineEdit(), "modelsInput", "Models, comma-separated")
        self.caching_picker = named(QComboBox(), "promptCachingPicker",
                                    "Mark cache breakpoints in requests to this endpoint")
        self.context_input = named(QSpinBox(), "contextWindowInput",
                                   "Tokens the endpoint's models can take in")
        self.test_button = named(QPushButton("Test connection"), "testConnectionButton")
        self.test_status = plain(
            named(QLabel(), "connectionStatus", "The connection test's result"))
        self.keyring_label = named(QLabel(), "keyringStatus", "Where keys are kept")
        self.file_consent = named(QCheckBox(), "keyFileConsent",
                                  "Keep keys in a file only you can read")
        self._build(file_allowed)
        self._connect_signals()
        for row in self.rows:
            self.provider_list.addItem(row.provider.name)
        self.provider_list.setCurrentRow(0)

    def _build(self, file_allowed: bool) -> None:
        self.key_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.base_url_input.setPlaceholderText("Anthropic's API (or ANTHROPIC_BASE_URL)")
        self.models_input.setPlaceholderText("only for endpoints that cannot list their models")
        for value, text in CACHING_CHOICES:
            self.caching_picker.addItem(text, value)
        self.context_input.setRange(0, 10_000_000)
        self.context_input.setSingleStep(8192)
        self.context_input.setSuffix(" tokens")
        self.context_input.setSpecialValueText("known for Claude models, else unknown")
        for label in (self.key_status, self.test_status, self.keyring_label):
            label.setWordWrap(True)
        self.file_consent.setText(f"Keep keys in {key_file_path()}, readable by you alone")
        self.file_consent.setChecked(file_allowed)
        if self.keyring.available:
            self.keyring_label.setText(
                f"Keys are kept in the system keyring ({self.keyring.backend})."
            )
            self.file_consent.hide()
        else:
            self.keyring_label.setText(
                f"No system keyring: {self.keyring.backend}. Set ANTHROPIC_API_KEY in the "
                "environment, or allow a key file below. Keys never go into the settings file, "
                "the database or the logs."
            )
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left = QVBoxLayout()
        left.addWidget(self.provider_list, 1)
        left.addLayout(buttons)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_input, 1)
        key_row.addWidget(self.forget_button)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_status, 1)
        form = QFormLayout()
        form.addRow("Name", self.name_input)
        form.addRow("Base URL", self.base_url_input)
        form.addRow("API key", key_row)
        form.addRow("", self.key_status)
        form.addRow("Models", self.models_input)
        form.addRow("Prompt caching", self.caching_picker)
        form.addRow("Context window", self.context_input)
        form.addRow("", test_row)
        top = QHBoxLayout()
        top.addLayout(left, 2)
        top.addLayout(form, 5)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.keyring_label)
        layout.addWidget(self.file_consent)

    def _connect_signals(self) -> None:
        self.provider_list.currentRowChanged.connect(self.on_row_selected)
        self.add_button.clicked.connect(self.on_add_clicked)
        self.remove_button.clicked.connect(self.on_remove_clicked)
        self.name_input.textEdited.connect(self.on_form_edited)
        self.base_url_input.textEdited.connect(self.on_form_edited)
        self.models_input.textEdited.connect(self.on_form_edited)
        self.caching_picker.activated.connect(self.on_form_edited)
        self.context_input.valueChanged.connect(self.on_form_edited)
        self.key_input.textEdited.connect(self.on_key_edited)
        self.forget_button.clicked.connect(self.on_forget_clicked)
        self.test_button.clicked.connect(self.on_test_clicked)
        self.file_consent.toggled.connect(self.on_consent_toggled)

    # --- what the dialog reads ----------------------------------------------------------------

    def providers(self) -> tuple[Provider, ...]:
        return tuple(row.provider for row in self.rows)

    def file_allowed(self) -> bool:
        return self.file_consent.isChecked()

    def problem(self) -> str | None:
        """Why the profiles cannot be saved as they are; None when they can."""
        names = [row.provider.name for row in self.rows]
        if any(not name for name in names):
            return "Every provider profile needs a name."
        if len(set(names)) != len(names):
            return "Two provider profiles have the same name."
        for row in self.rows:
            url = row.provider.base_url
            if url and not url.startswith(("http://", "https://")):
                return f"{row.provider.name}: the base URL must start with http:// or https://"
        return None

    def key_changes(self) -> list[KeyChange]:
        """The saves and deletions accepting the dialog makes, renamed profiles included."""
        changes: list[KeyChange] = []
        kept = {row.origin for row in self.rows}
        for row in self.rows:
            name, origin = row.provider.name, row.origin
            saved = row.found.key if row.found.source in ("keyring", "file") else None
            if row.typed_key:
                changes.append(KeyChange(name, row.typed_key))
            elif row.forget and saved:
                changes.append(KeyChange(name, None))
            elif origin is not None and origin != name and saved:
                changes.append(KeyChange(name, saved))
            if origin is not None and origin != name and saved:
                changes.append(KeyChange(origin, None))
        return changes + [KeyChange(origin, None) for origin in self._removed if origin not in kept]

    def changed_keys(self) -> dict[str, str | None]:
        """The profiles whose key accepting the dialog changes, and their key from then on."""
        changed = {change.provider: change.key for change in self.key_changes()}
        if self._file_allowed_at_open and not self.file_allowed():  # the file goes, keys too
            for row in self.rows:
                if row.found.source == "file":
                    changed.setdefault(row.provider.name, None)
        return changed

    # --- slots ------------------------------------------------------------------------------

    def on_row_selected(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        provider = row.provider
        built_in = provider.name in BUILT_IN and row.origin == provider.name
        self.name_input.setText(provider.name)
        self.name_input.setReadOnly(built_in)
        self.base_url_input.setText(provider.base_url)
        self.models_input.setText(", ".join(provider.models))
        with QSignalBlocker(self.context_input):  # not an edit: the form shows the row
            self.context_input.setValue(provider.context_window)
        self.caching_picker.setCurrentIndex(
            max(0, self.caching_picker.findData(caching_choice(provider.prompt_caching))))
        self.key_input.setText(row.typed_key)
        self.remove_button.setEnabled(not built_in)
        demo = provider.is_demo
        for widget in (self.base_url_input, self.key_input, self.models_input, self.test_button,
                       self.caching_picker, self.context_input):
            widget.setEnabled(not demo)
        self.test_status.clear()
        self._show_key_state(row)

    def on_form_edited(self) -> None:
        row = self._row()
        if row is None:
            return
        models = tuple(m.strip() for m in self.models_input.text().split(",") if m.strip())
        name = self.name_input.text().strip()
        row.provider = dataclasses.replace(
            row.provider, name=name, base_url=self.base_url_input.text().strip(), models=models,
            prompt_caching=CACHING_VALUES[self.caching_picker.currentData()],
            context_window=self.context_input.value(),
        )
        self.provider_list.currentItem().setText(name)
        self._show_key_state(row)
        self.namesChanged.emit()

    def on_key_edited(self, text: str) -> None:
        row = self._row()
        if row is not None:
            row.typed_key = text.strip()
            row.forget = False
            self._show_key_state(row)

    def on_forget_clicked(self) -> None:
        row = self._row()
        if row is not None:
            row.typed_key, row.forget = "", True
            self.key_input.clear()
            self._show_key_state(row)

    def on_add_clicked(self) -> None:
        names = {row.provider.name for row in self.rows}
        name = next(f"Local {n}" for n in range(1, len(names) + 2) if f"Local {n}" not in names)
        self.rows.append(Row(Provider(name, "http://localhost:8080"), None, FoundKey(None, "none")))
        self.provider_list.addItem(name)
        self.provider_list.setCurrentRow(len(self.rows) - 1)
        self.namesChanged.emit()

    def on_remove_clicked(self) -> None:
        index = self.provider_list.currentRow()
        if not 0 <= index < len(self.rows):
            return
        row = self.rows.pop(index)
        if row.origin is not None:
            self._removed.append(row.origin)
        self.provider_list.takeItem(index)
        self.namesChanged.emit()

    def on_consent_toggled(self, _checked: bool) -> None:
        row = self._row()
        if row is not None:
            self._show_key_state(row)

    def on_test_clicked(self) -> None:
        row = self._row()
        if row is None:
            return
        if self._test is not None:
            self._test.cancel()
        self.test_status.setText("Connecting…")
        key = row.typed_key or row.found.key
        self._test = asyncio.ensure_future(self._test_connection(row.provider, key))

    async def _test_connection(self, provider: Provider, key: str | None) -> None:
        client = client_for(provider, key)
        try:
            await sdk_ready()
            models = await client.list_models()
        except ModelError as exc:
            self.test_status.setText(f"Cannot connect: {exc}")
        else:
            more = ", …" if len(models) > SHOWN_MODELS else ""
            listed = ", ".join(models[:SHOWN_MODELS]) + more
            self.test_status.setText(
                f"Connected: {len(models)} models ({listed})"
                if models else "Connected: the endpoint lists no models"
            )
        finally:
            await client.aclose()
            self._test = None

    def stop_test(self) -> None:
        if self._test is not None:
            self._test.cancel()

    # --- internals --------------------------------------------------------------------------

    def _row(self) -> Row | None:
        index = self.provider_list.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _show_key_state(self, row: Row) -> None:
        """Say where the key is, and whether one can be saved at all."""
        can_save = self.keyring.available or self.file_consent.isChecked()
        if row.provider.is_demo:
            text = "The demo model needs no key."
        elif row.typed_key:
            text = "The new key is saved when you press OK."
        elif row.forget:
            text = "The saved key is deleted when you press OK."
        else:
            text = SOURCES[row.found.source]
            if row.provider.base_url and row.found.source == "none":
                text = "No key saved (a local server usually needs none)"
        if not can_save and not row.provider.is_demo:
            text += ". No keyring here: allow the key file below to save one"
        self.key_input.setEnabled(can_save and not row.provider.is_demo)
        why = "type a key to save it" if can_save else NO_KEY_STORE
        self.key_input.setPlaceholderText("" if row.provider.is_demo else why)
        self.key_input.setToolTip("" if row.provider.is_demo or can_save else NO_KEY_STORE)
        self.forget_button.setEnabled(row.found.source in ("keyring", "file") and not row.forget)
        self.key_status.setText(text)
