"""The log: a rotating file in the data directory, debug detail with --verbose, never a key."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from desktop.core import logs

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-ant-api03-LOGGED-by-mistake-0123456789"


@pytest.fixture
def logging_on() -> Iterator[None]:
    yield
    logs.close_logging()


def ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if logs._mark in h.filters]


def test_the_log_file_rotates_in_the_data_dir(isolated_env: Path, logging_on: None) -> None:
    path = logs.setup_logging()
    assert path == isolated_env / "agentdesk.log"
    [handler] = ours()
    assert isinstance(handler, RotatingFileHandler)
    assert (handler.maxBytes, handler.backupCount) == (1_000_000, 3)

    line = "x" * 1000
    for _ in range(1_100):  # a little over 1 MB
        logging.getLogger("desktop.test").info(line)
    assert (isolated_env / "agentdesk.log.1").exists()
    assert path.stat().st_size < 1_000_000
    assert not (isolated_env / "agentdesk.log.4").exists()


def test_quiet_by_default_verbose_adds_debug_and_stderr(
    isolated_env: Path, logging_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.setup_logging(verbose=False)
    logging.getLogger("desktop.test").debug("hidden detail")
    logging.getLogger("desktop.test").info("an event")
    logs.setup_logging(verbose=True)  # replaces the handlers, does not add to them
    assert len(ours()) == 2
    logging.getLogger("desktop.test").debug("shown detail")

    text = (isolated_env / "agentdesk.log").read_text()
    assert "an event" in text and "shown detail" in text and "hidden detail" not in text
    assert "shown detail" in capsys.readouterr().err


def test_no_line_can_print_a_key(
    isolated_env: Path, logging_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key-without-the-usual-prefix")
    logs.setup_logging(verbose=True)
    logs.redact("profile-key-for-ollama-99")
    log = logging.getLogger("desktop.test")
    log.info("headers: %s", {"x-api-key": KEY})
    log.info("env env-key-without-the-usual-prefix and profile-key-for-ollama-99")
    try:
        raise RuntimeError(f"request failed with {KEY}")
    except RuntimeError:
        log.exception("boom")

    text = (isolated_env / "agentdesk.log").read_text()
    for secret in (KEY, "env-key-without-the-usual-prefix", "profile-key-for-ollama-99"):
        assert secret not in text
    assert text.count("[redacted]") == 4  # the dict, the two keys, the exception


def test_the_cli_logs_to_the_same_file_with_verbose(isolated_env: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "AGENTDESK_HOME": str(isolated_env)}
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--verbose", "chats"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = (isolated_env / "agentdesk.log").read_text()
    assert "AgentDesk log (verbose)" in text
    assert "AgentDesk log (verbose)" in result.stderr
