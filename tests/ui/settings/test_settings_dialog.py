"""The settings dialog: a round trip through config.json, keys kept out of every file the app
writes, the no-keyring fallbacks, and provider profiles that really carry the requests."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import logs, settings
from desktop.core.agent import sandbox
from desktop.core.agent.sandbox import executor_for
from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.review.chat_transcript import chat_json, chat_markdown
from desktop.core.secrets import key_file_path
from desktop.core.store.database import Store
from desktop.ui.settings.dialog import SettingsDialog
from desktop.ui.shell.main_window import MainWindow
from tests.file_keyring import installed
from tests.ui.chat.helpers import WAIT_MS, find, message_requests, send_and_wait, thread
from tests.ui.task.helpers import find as find_in
from tests.ui.task.helpers import wait_ended

KEY = "sk-ant-api03-dialog-SECRET-9f8e7d6c5b4a3210"


def open_settings(qtbot: QtBot, window: MainWindow) -> SettingsDialog:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    [dialog] = [d for d in window.findChildren(QDialog, "settingsDialog") if d.isVisible()]
    assert isinstance(dialog, SettingsDialog)
    return dialog


def press_ok(qtbot: QtBot, dialog: SettingsDialog) -> None:
    with qtbot.waitSignal(dialog.finished, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)


def replace_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Select what the field holds and type over it, as a user does."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())


def pick(qtbot: QtBot, picker: QComboBox, text: str) -> None:
    """Choose an item of a closed combo box by typing the start of its name (a space would
    open the list)."""
    picker.setFocus()
    qtbot.keyClicks(picker, text.split()[0])
    assert picker.currentText() == text


def test_settings_round_trip_through_the_dialog_and_the_file(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = open_settings(qtbot, window)
    pick(qtbot, dialog.theme_picker, "Light")
    replace_text(qtbot, dialog.model_input, "claude-haiku-5-5")
    replace_text(qtbot, dialog.max_tokens_input, "2048")
    replace_text(qtbot, dialog.temperature_input, "0.4")
    replace_text(qtbot, dialog.steps_input, "12")
    replace_text(qtbot, dialog.cost_input, "1.5")
    replace_text(qtbot, dialog.wall_input, "10")
    pick(qtbot, dialog.policy_picker, "Only reading: edits and commands are refused")
    press_ok(qtbot, dialog)

    saved = json.loads(settings.config_path().read_text())
    assert {k: saved[k] for k in ("theme", "model", "max_tokens", "temperature", "max_steps",
                                  "max_cost_usd", "max_wall_s", "approval_policy")} == {
        "theme": "light", "model": "claude-haiku-5-5", "max_tokens": 2048, "temperature": 0.4,
        "max_steps": 12, "max_cost_usd": 1.5, "max_wall_s": 600.0, "approval_policy": "reads",
    }
    # the running window uses them from now on
    assert window.controller is not None and window.task_controller is not None
    assert (window.controller.max_tokens, window.controller.temperature) == (2048, 0.4)
    assert window.task_controller.approval_policy == "reads"
    assert window.task_pane is not None
    area = window.task_pane.goal_area  # the Task tab is not on screen
    assert (area.steps_input.value(), area.cost_input.value(), area.wall_input.value()) == (
        12, 1.5, 10,
    )

    dialog = open_settings(qtbot, window)  # what the file holds is what the dialog shows
    assert dialog.theme_picker.currentData() == "light"
    assert dialog.model_input.text() == "claude-haiku-5-5"
    assert dialog.max_tokens_input.value() == 2048
    assert dialog.temperature_input.value() == pytest.approx(0.4)
    assert (dialog.steps_input.value(), dialog.cost_input.value(), dialog.wall_input.value()) == (
        12, 1.5, 10,
    )
    assert dialog.policy_picker.currentData() == "reads"
    dialog.reject()

    settings.config_path().write_text(json.dumps({**saved, "theme": "dark", "max_tokens": 999}))
    dialog = open_settings(qtbot, window)
    assert (dialog.theme_picker.currentData(), dialog.max_tokens_input.value()) == ("dark", 999)
    dialog.reject()


def test_without_a_keyring_it_says_so_and_the_key_file_needs_consent(
    qtbot: QtBot, window: MainWindow, isolated_env: Path
) -> None:
    dialog = open_settings(qtbot, window)
    dialog.tabs.setCurrentWidget(dialog.provider_page)
    page = dialog.provider_page
    assert "No system keyring" in page.keyring_label.text()
    assert "ANTHROPIC_API_KEY" in page.keyring_label.text()
    assert page.file_consent.isVisible() and not page.file_consent.isChecked()
    assert not page.key_input.isEnabled()  # nowhere to keep a key yet
    assert "tick" in page.key_input.placeholderText()  # and it says what to do
    press_ok(qtbot, dialog)
    assert not key_file_path().exists()

    dialog = open_settings(qtbot, window)
    page = dialog.provider_page
    dialog.tabs.setCurrentWidget(page)
    tick(qtbot, page.file_consent)
    assert page.key_input.isEnabled()
    qtbot.keyClicks(page.key_input, KEY)
    press_ok(qtbot, dialog)

    path = key_file_path()
    assert path.parent == isolated_env
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"Anthropic": KEY}
    config = settings.config_path().read_text()
    assert json.loads(config)["key_file_allowed"] is True and KEY not in config
    assert window.controller is not None and window.controller.client.api_key == KEY

    dialog = open_settings(qtbot, window)  # withdrawing consent deletes the file
    page = dialog.provider_page
    dialog.tabs.setCurrentWidget(page)
    assert "owner-only key file" in page.key_status.text()
    tick(qtbot, page.file_consent)
    press_ok(qtbot, dialog)
    assert not path.exists()
    assert not window.controller.client.api_key  # and the window forgot the key it held


@pytest.fixture
def verbose_log() -> Iterator[Path]:
    path = logs.setup_logging(verbose=True)
    yield path
    logs.close_logging()


def test_a_key_saved_in_the_dialog_never_lands_in_the_db_logs_or_exports(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, isolated_env: Path,
    tmp_path: Path, verbose_log: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)  # "Anthropic" is the loopback here
    with installed(tmp_path / "keyring.json") as keyring:
        dialog = open_settings(qtbot, window)
        dialog.tabs.setCurrentWidget(dialog.provider_page)
        assert "system keyring" in dialog.provider_page.keyring_label.text()
        qtbot.keyClicks(dialog.provider_page.key_input, KEY)
        press_ok(qtbot, dialog)
        assert keyring.get_password("agentdesk", "Anthropic") == KEY
        assert window.controller is not None and window.controller.client.api_key == KEY

        fake_api.add(Turn(text="Keys stay secret."))
        send_and_wait(qtbot, window, "is my key safe?")
        assert message_requests(fake_api)  # the chat really went out with the key
        conversation = store.conversation(window.controller.conversation_id)
        messages = thread(store, window)
        (isolated_env / "chat.md").write_text(chat_markdown(conversation, messages))
        (isolated_env / "chat.json").write_text(json.dumps(chat_json(conversation, messages)))

    assert verbose_log.read_text().count("\n") > 5  # the verbose log did record the chat
    store_files = [Path(store.path + suffix) for suffix in ("", "-wal", "-shm")]
    written = [p for p in [*isolated_env.rglob("*"), *store_files] if p.is_file()]
    assert {p.name for p in written} >= {"config.json", "agentdesk.log", "test.db", "chat.json"}
    leaks = [p.name for p in written if KEY.encode() in p.read_bytes()]
    assert leaks == []


def test_the_keyring_is_asked_off_the_ui_thread_when_the_window_starts(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, store: Store, fake_api: FakeAPI,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)
    with installed(tmp_path / "keyring.json") as keyring:
        keyring.set_password("agentdesk", "Anthropic", KEY)
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        window.attach(store)  # no client given: the settings' provider, key from the keyring
        assert window.controller is not None and window.connections is not None
        assert window.connections.looking_up("Anthropic")
        assert not window.banner.isVisible()  # no "no key" while the keyring has not answered
        with qtbot.waitSignal(window.connections.keyLookedUp, timeout=WAIT_MS):
            pass
        assert window.controller.client.api_key == KEY and not window.banner.isVisible()
        fake_api.add(Turn(text="Found it."))
        send_and_wait(qtbot, window, "hello")
        closing = asyncio.ensure_future(window.aclose())
        qtbot.waitUntil(closing.done, timeout=WAIT_MS)


def test_a_loopback_provider_profile_carries_chats_and_runs(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    with FakeAPI() as local:  # stands in for Ollama or llama.cpp on this machine
        local.models = [{"type": "model", "id": "qwen3:8b", "display_name": "Qwen 3",
                         "created_at": "2025-01-01T00:00:00Z"}]
        dialog = open_settings(qtbot, window)
        page = dialog.provider_page
        dialog.tabs.setCurrentWidget(page)
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
        replace_text(qtbot, page.name_input, "Local")
        replace_text(qtbot, page.base_url_input, local.url)
        assert "a local server usually needs none" in page.key_status.text()
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.test_status.text().startswith("Connected"), timeout=WAIT_MS)
        assert page.test_status.text() == "Connected: 1 models (qwen3:8b)"
        press_ok(qtbot, dialog)
        stored = settings.load().current_provider("Local")
        assert (stored.name, stored.base_url) == ("Local", local.url)

        pick(qtbot, find(window, "providerPicker"), "Local")
        qtbot.waitUntil(lambda: find(window, "modelPicker").currentText() == "qwen3:8b",
                        timeout=WAIT_MS)
        local.add(Turn(text="Hello from this machine.", input_tokens=9, output_tokens=5))
        send_and_wait(qtbot, window, "who answers?")
        [request] = message_requests(local)
        assert request["body"]["model"] == "qwen3:8b"
        assert message_requests(fake_api) == []
        assert window.controller is not None and window.controller.conversation_id is not None
        assert store.conversation(window.controller.conversation_id).provider == "Local"
        reply = thread(store, window)[-1]
        assert (reply.text, reply.cost_usd) == ("Hello from this machine.", 0.0)
        assert "$" not in window.chat_pane.view.cards[-1].meta.text()  # no price, no cost

        pane = window.task_pane
        assert pane is not None
        window.tabs.setCurrentWidget(pane)
        pick(qtbot, find_in(pane, "runProviderPicker", QComboBox), "Local")
        qtbot.waitUntil(
            lambda: find_in(pane, "runModelPicker", QComboBox).currentText() == "qwen3:8b",
            timeout=WAIT_MS,
        )
        pane.set_workspace(str(tmp_path))
        qtbot.keyClicks(pane.goal_area.goal_input, "say hello")
        local.add(Turn(text="Hello, done."))
        qtbot.mouseClick(pane.goal_area.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: pane.run_id is not None, timeout=WAIT_MS)
        assert pane.run_id is not None
        wait_ended(qtbot, pane, pane.run_id)
        run_request = message_requests(local)[-1]["body"]
        assert run_request["model"] == "qwen3:8b" and run_request["tools"]
        assert store.run(pane.run_id).model == "qwen3:8b"
        assert message_requests(fake_api) == []

        # picking another profile for the next run does not move this one off its endpoint
        run_id = pane.run_id
        qtbot.mouseClick(find_in(pane, "newTaskButton"), Qt.MouseButton.LeftButton)
        picker = find_in(pane, "runProviderPicker", QComboBox)
        qtbot.keyClick(picker, Qt.Key.Key_Home)  # the first profile, Anthropic's
        assert picker.currentText() == "Anthropic"
        pane.show_run(run_id)  # back to it, as from the run list
        local.add(Turn("Went on, still here."))
        sent = len(message_requests(local))
        qtbot.keyClicks(find_in(pane, "followUpInput"), "and say goodbye")
        qtbot.mouseClick(find_in(pane, "continueRunButton"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(message_requests(local)) == sent + 1, timeout=WAIT_MS)
        wait_ended(qtbot, pane, run_id)
        assert message_requests(fake_api) == []


def test_a_thinking_budget_set_in_the_dialog_reaches_chat_requests(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI
) -> None:
    dialog = open_settings(qtbot, window)
    replace_text(qtbot, dialog.thinking_input, "2048")
    replace_text(qtbot, dialog.idle_input, "45")
    press_ok(qtbot, dialog)
    saved = json.loads(settings.config_path().read_text())
    assert (saved["thinking_budget"], saved["stream_idle_timeout_s"]) == (2048, 45.0)
    assert window.task_controller is not None
    assert window.task_controller.settings.thinking_budget == 2048

    fake_api.add(Turn("Thought about it.", thinking="Let me see."))
    send_and_wait(qtbot, window, "think first")
    body = message_requests(fake_api)[-1]["body"]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "temperature" not in body and body["max_tokens"] >= 2048 + 1024


def test_the_agent_page_sets_where_commands_run(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_settings(qtbot, window)
    commands = dialog.commands
    assert commands.sandbox_box.isChecked() == (not sandbox.unavailable())
    assert commands.network_picker.currentData() == "off"
    assert not commands.auto_box.isChecked()
    pick(qtbot, commands.network_picker, "Only the allowed domains (through a proxy)")
    replace_text(qtbot, commands.domains_input, "pypi.org, github.com")
    replace_text(qtbot, commands.env_input, "GOPATH NODE_OPTIONS")
    qtbot.mouseClick(commands.auto_box, Qt.MouseButton.LeftButton)
    press_ok(qtbot, dialog)

    saved = settings.load()
    assert (saved.network, saved.allowed_domains, saved.command_env, saved.sandbox_auto_approve) \
        == ("allow", ("pypi.org", "github.com"), ("GOPATH", "NODE_OPTIONS"), True)
    assert window.task_controller is not None
    executor = executor_for(window.task_controller.settings)
    if sandbox.unavailable():
        assert executor.kind == "local"
    else:
        assert executor.describe() == (
            "sandboxed: writes only in the workspace, network only to pypi.org, github.com"
        )


def test_step_tokens_compaction_caching_and_the_context_window_are_set_in_the_dialog(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI
) -> None:
    with FakeAPI() as local:
        dialog = open_settings(qtbot, window)
        dialog.tabs.setCurrentIndex(2)  # Agent
        replace_text(qtbot, dialog.compact_input, "60")
        replace_text(qtbot, dialog.step_tokens_input, "2048")
        replace_text(qtbot, dialog.checkpoints_input, "300")
        page = dialog.provider_page
        dialog.tabs.setCurrentWidget(page)
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
        replace_text(qtbot, page.name_input, "Local")
        replace_text(qtbot, page.base_url_input, local.url)
        pick(qtbot, page.caching_picker, "on")
        replace_text(qtbot, page.context_input, "32768")
        press_ok(qtbot, dialog)

        saved = json.loads(settings.config_path().read_text())
        assert saved["compact_at"] == 0.6
        assert saved["agent_max_tokens"] == 2048
        assert saved["checkpoint_storage_mb"] == 300
        assert window.task_controller is not None
        assert window.task_controller.settings.agent_max_tokens == 2048  # the next run's
        [profile] = [p for p in saved["providers"] if p["name"] == "Local"]
        assert (profile["prompt_caching"], profile["context_window"]) == (True, 32768)
        pick(qtbot, find(window, "providerPicker"), "Local")
        assert window.controller is not None
        assert (window.controller.context.window, window.controller.context.compact_at) == (
            32768, 0.6)
        local.add(Turn(text="Cached."))
        send_and_wait(qtbot, window, "mark the breakpoints")
        [request] = message_requests(local)
        assert "cache_control" in json.dumps(request["body"])  # the profile says so, not the URL
        assert message_requests(fake_api) == []
