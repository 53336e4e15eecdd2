"""Provider profiles: which key and URL a client gets, and endpoints without a model list."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.model.client import ModelError
from desktop.core.model.providers import NO_KEY_NEEDED, Provider, client_for


class _NotFound(BaseHTTPRequestHandler):
    """A server that knows no route, as a local server without /v1/models."""

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def bare_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_keys_go_only_where_they_belong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-the-users-real-key")
    assert client_for(Provider("Anthropic"), None).api_key == "sk-ant-the-users-real-key"
    local = client_for(Provider("Ollama", "http://localhost:11434"), None)
    assert (local.api_key, local.base_url) == (NO_KEY_NEEDED, "http://localhost:11434")
    assert client_for(Provider("Proxy", "https://llm.example"), "proxy-key").api_key == "proxy-key"


def test_an_endpoint_without_a_model_list_offers_the_profiles_models(bare_server: str) -> None:
    client = client_for(Provider("llama.cpp", bare_server, ("local-model",)), None)

    async def ask() -> tuple[list[str], str]:
        try:
            offered = await client.models()
            try:
                await client.list_models()
            except ModelError as exc:  # what "Test connection" shows
                return offered, str(exc)
            return offered, ""
        finally:
            await client.aclose()

    offered, problem = asyncio.run(ask())
    assert offered == ["local-model"]
    assert problem.startswith("not found (404)")


def test_a_custom_endpoint_that_wants_a_key_is_told_none_was_sent() -> None:
    with FakeAPI() as server:
        server.add(Turn(status=401))
        client = client_for(Provider("Proxy", server.url), None)
        hello = [{"role": "user", "content": "hi"}]

        async def ask() -> str:
            try:
                async for _ in client.stream(model="m", messages=hello):
                    pass
            except ModelError as exc:
                return str(exc)
            finally:
                await client.aclose()
            return ""

        problem = asyncio.run(ask())
        assert f"{server.url} wants an API key and none was sent" in problem
    assert "Settings → Providers" in problem and "ANTHROPIC_API_KEY" not in problem
