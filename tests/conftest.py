"""Shared fixtures: an isolated data dir, the loopback Messages API, a store, a Qt+asyncio loop.

No test reaches the network: the model is `FakeAPI` on 127.0.0.1, reached through the real
`anthropic` SDK.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop.core.demo.fake_api import FakeAPI
from desktop.core.model.client import ModelClient, RetryPolicy
from desktop.core.store.database import Store


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own data dir and no credentials from the developer's shell."""
    home = tmp_path / "agentdesk-home"
    monkeypatch.setenv("AGENTDESK_HOME", str(home))
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return home


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    with FakeAPI() as server:
        yield server


@pytest.fixture
def client(fake_api: FakeAPI) -> ModelClient:
    """A client on the loopback server; retries wait milliseconds, not seconds."""
    return ModelClient(
        api_key="test-key",
        base_url=fake_api.url,
        retry=RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.02),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "test.db")
    yield db
    db.close()


@pytest.fixture(scope="session")
def _session_qloop(qapp: object) -> asyncio.AbstractEventLoop:
    import qasync

    return qasync.QEventLoop(qapp, already_running=True)


@pytest.fixture
def qloop(_session_qloop: asyncio.AbstractEventLoop) -> Iterator[asyncio.AbstractEventLoop]:
    """asyncio on Qt's loop, as in the app: qtbot's waits drive both.

    One loop serves the session (Qt allows one); it counts as running only inside a test
    that asks for it, so plain tests can still use `asyncio.run`.
    """
    loop = _session_qloop
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
