"""`agentdesk chat` / `chats` as a user runs them: a real process, the real SDK, loopback API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.store.database import Store


def agentdesk(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def cli_env(home: Path, server: FakeAPI | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["AGENTDESK_HOME"] = str(home)
    if server:
        env.update(ANTHROPIC_BASE_URL=server.url, ANTHROPIC_API_KEY="test-key")
    return env


def test_chat_streams_reply_and_stores_both(fake_api: FakeAPI, isolated_env: Path) -> None:
    fake_api.add(Turn(text="Use **sorted()**."), Turn(text="It returns a new list."))
    env = cli_env(isolated_env, fake_api)
    first = agentdesk(
        "chat", "How to sort?", "--model", "claude-haiku-5-5", "--system", "be terse", env=env
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == "Use **sorted()**.\n"
    assert "[conversation 1]" in first.stderr
    second = agentdesk("chat", "-", "--conversation", "1", env=env, stdin="And sort()?")
    assert second.returncode == 0 and second.stdout == "It returns a new list.\n"

    body = fake_api.requests[-1]["body"]
    assert body["model"] == "claude-haiku-5-5" and body["system"] == "be terse"
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    store = Store(isolated_env / "agentdesk.db")
    assert [m.text for m in store.thread(1)] == [
        "How to sort?", "Use **sorted()**.", "And sort()?", "It returns a new list."
    ]


def test_chats_lists_and_shows(fake_api: FakeAPI, isolated_env: Path) -> None:
    fake_api.add(Turn(text="Hello!", input_tokens=10, output_tokens=3))
    env = cli_env(isolated_env, fake_api)
    assert agentdesk("chat", "Say hello", env=env).returncode == 0
    listing = agentdesk("chats", "--json", env=env)
    [row] = [json.loads(line) for line in listing.stdout.splitlines()]
    assert (row["id"], row["title"], row["messages"]) == (1, "Say hello", 2)
    markdown = agentdesk("chats", "show", "1", env=env).stdout
    assert markdown.startswith("# Say hello") and "## Assistant" in markdown
    assert "Hello!" in markdown
    exported = json.loads(agentdesk("chats", "show", "1", "--format", "json", env=env).stdout)
    assert [m["text"] for m in exported["messages"]] == ["Say hello", "Hello!"]
    assert exported["messages"][1]["output_tokens"] == 3


def test_api_error_is_one_line_on_stderr(fake_api: FakeAPI, isolated_env: Path) -> None:
    fake_api.add(Turn(status=401, error_message="invalid x-api-key"))
    result = agentdesk("chat", "hi", env=cli_env(isolated_env, fake_api))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()[:1]
    assert line.startswith("error: authentication failed (401): set ANTHROPIC_API_KEY")
    store = Store(isolated_env / "agentdesk.db")
    user, reply = store.thread(1)
    assert user.text == "hi" and reply.status == "failed"


def test_no_key_and_empty_message_fail_clearly(isolated_env: Path) -> None:
    env = cli_env(isolated_env)
    no_key = agentdesk("chat", "hi", env=env)
    assert no_key.returncode == 1 and "no API key" in no_key.stderr
    empty = agentdesk("chat", "   ", env=env)
    assert empty.returncode == 2 and "the message is empty" in empty.stderr
    missing = agentdesk("chats", "show", "42", env=env)
    assert missing.returncode == 1 and "no conversation 42" in missing.stderr


def test_demo_model_answers_without_a_key(isolated_env: Path) -> None:
    result = agentdesk("--demo", "chat", "show me code", env=cli_env(isolated_env))
    assert result.returncode == 0, result.stderr
    assert "```python" in result.stdout and "show me code" in result.stdout
    assert Store(isolated_env / "agentdesk.db").conversation(1).model == "demo"


def test_piped_bytes_that_are_not_utf8_are_sent_not_a_traceback(
    fake_api: FakeAPI, isolated_env: Path
) -> None:
    fake_api.add(Turn(text="Bonjour."))
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "chat", "-"], input=b"caf\xe9", capture_output=True,
        env=cli_env(isolated_env, fake_api), timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b"Bonjour.\n" and b"Traceback" not in done.stderr
    sent = fake_api.requests[-1]["body"]["messages"][-1]["content"]
    assert sent == [{"type": "text", "text": "caf\ufffd"}]


def test_a_reply_cut_at_its_length_limit_says_so(fake_api: FakeAPI, isolated_env: Path) -> None:
    fake_api.add(Turn(text="The first half of", stop_reason="max_tokens"))
    result = agentdesk("chat", "tell me everything", env=cli_env(isolated_env, fake_api))
    assert result.returncode == 0 and result.stdout.startswith("The first half of")
    assert "[the reply was cut short at its length limit" in result.stderr


def test_a_conversation_goes_on_with_the_profile_it_was_made_with(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main
    from desktop.core import settings
    from desktop.core.model.providers import PRESETS, Provider

    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    with FakeAPI() as local:
        local_server = Provider("Local", local.url, models=("qwen3:8b",))
        settings.save(settings.Settings(providers=(*PRESETS, local_server)))
        local.add(Turn("First."), Turn("Second."))
        assert main(["--provider", "Local", "chat", "hello"]) == 0
        assert local.requests[0]["body"]["model"] == "qwen3:8b"  # the profile's, not Claude
        conversation = int(capsys.readouterr().err.split("[conversation ")[1].split("]")[0])

        assert main(["chat", "and then?", "--conversation", str(conversation)]) == 0
        assert "Second." in capsys.readouterr().out
        assert len(local.requests) == 2 and fake_api.requests == []
