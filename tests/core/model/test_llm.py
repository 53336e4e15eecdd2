"""ModelClient through the real SDK against the loopback Messages API."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from typing import Any

import pytest

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import MessageDone, Retrying, TextDelta
from desktop.core.model.client import FALLBACK_MODELS, ModelClient, ModelError, RetryPolicy, price
from desktop.core.model.errors import as_model_error

# In a fresh interpreter: which of the stream events the client turns into dicts are still
# unbuilt (pydantic's placeholder) after `warm_up`.
UNBUILT_AFTER_WARM_UP = """
from pydantic._internal._mock_val_ser import MockValSer
from anthropic import types
from desktop.core.model.client import warm_up
warm_up()
dumped = ("RawMessageStartEvent", "RawContentBlockStartEvent", "RawContentBlockDeltaEvent",
          "RawContentBlockStopEvent", "RawMessageDeltaEvent", "RawMessageStopEvent")
print([name for name in dumped
       if isinstance(getattr(types, name).__pydantic_serializer__, MockValSer)])
"""

USER = [{"role": "user", "content": "hi"}]


def collect(client: ModelClient, **params: Any) -> list[Any]:
    async def run() -> list[Any]:
        return [e async for e in client.stream(model=params.pop("model", "claude-sonnet-5-5"),
                                               messages=USER, **params)]

    return asyncio.run(run())


def error_of(client: ModelClient) -> tuple[ModelError, list[Any]]:
    seen: list[Any] = []

    async def run() -> None:
        async for event in client.stream(model="claude-sonnet-5-5", messages=USER):
            seen.append(event)

    with pytest.raises(ModelError) as info:
        asyncio.run(run())
    return info.value, seen


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_text_streams_as_deltas_then_one_done(fake_api: FakeAPI, client: ModelClient) -> None:
    fake_api.add(  # paced: deltas that arrive together are joined into one
        Turn(text="Hello there, developer.", input_tokens=1000, output_tokens=2000,
             tokens_per_s=50, chunk_chars=8)
    )
    events = collect(client, system="be brief", max_tokens=50)
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    done = events[-1]
    assert len(deltas) > 1 and "".join(deltas) == "Hello there, developer."
    assert isinstance(done, MessageDone) and done.stop_reason == "end_turn"
    assert done.text == "Hello there, developer."
    assert (done.usage.input_tokens, done.usage.output_tokens) == (1000, 2000)
    assert done.usage.cost_usd == pytest.approx(price("claude-sonnet-5-5", 1000, 2000))
    body = fake_api.requests[-1]["body"]
    assert body["system"] == "be brief" and body["max_tokens"] == 50 and body["stream"] is True


def test_tool_use_blocks_arrive_with_parsed_input(fake_api: FakeAPI, client: ModelClient) -> None:
    fake_api.add(Turn(text="Reading.", tool_uses=(ToolUse("read_file", {"path": "a.py"}),)))
    tools = [{"name": "read_file", "description": "d", "input_schema": {"type": "object"}}]
    done = collect(client, tools=tools)[-1]
    assert done.stop_reason == "tool_use"
    [call] = done.tool_uses
    assert call.name == "read_file" and call.input == {"path": "a.py"}
    assert done.input_errors == {}
    assert fake_api.requests[-1]["body"]["tools"] == tools


def test_unparseable_tool_input_is_reported_not_raised(
    fake_api: FakeAPI, client: ModelClient
) -> None:
    fake_api.add(Turn(tool_uses=(ToolUse("edit_file", raw_json='{"path": "a.py", oops'),)))
    done = collect(client)[-1]
    [call] = done.tool_uses
    assert call.input == {}
    assert "not JSON" in done.input_errors[call.id]


def test_overloaded_is_retried_visibly_then_succeeds(
    fake_api: FakeAPI, client: ModelClient
) -> None:
    fake_api.add(Turn(status=529), Turn(status=429), Turn(text="finally"))
    events = collect(client)
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [r.reason for r in retries] == ["the API is overloaded", "rate limited"]
    assert "retrying in" in retries[0].notice
    assert events[-1].text == "finally"
    assert len(fake_api.requests) == 3


def test_retries_give_up_with_a_clear_message(fake_api: FakeAPI, client: ModelClient) -> None:
    fake_api.add(*[Turn(status=529)] * 3)
    error, seen = error_of(client)
    assert str(error).startswith("the API is overloaded (529)")
    assert len([e for e in seen if isinstance(e, Retrying)]) == 2
    assert len(fake_api.requests) == 3


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "authentication failed (401): set ANTHROPIC_API_KEY"),
        (404, "not found (404)"),
        (400, "bad request (400)"),
        (403, "permission denied (403)"),
    ],
)
def test_client_errors_are_not_retried(
    fake_api: FakeAPI, client: ModelClient, status: int, expected: str
) -> None:
    fake_api.add(Turn(status=status, error_message="details from the API"))
    error, _ = error_of(client)
    assert expected in str(error) and "details from the API" in str(error)
    assert error.status == status
    assert len(fake_api.requests) == 1


def test_server_error_retried_then_reported(fake_api: FakeAPI, client: ModelClient) -> None:
    fake_api.add(*[Turn(status=500, error_message="boom")] * 3)
    error, _ = error_of(client)
    assert str(error) == "server error (500): boom"


def test_connection_refused_names_the_endpoint() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = ModelClient(api_key="k", base_url=url, retry=RetryPolicy(2, 0.01))
    error, seen = error_of(client)
    assert str(error) == (
        f"cannot reach {url}: nothing answers at that address (is the server running?)"
    )
    assert [type(e) for e in seen] == [Retrying]


def test_a_name_that_does_not_resolve_is_said_in_words() -> None:
    import anthropic
    import httpx2

    lookup = socket.gaierror(-2, "Name or service not known")
    failed = anthropic.APIConnectionError(request=httpx2.Request("POST", "http://x.invalid"))
    failed.__cause__ = lookup
    error = as_model_error(failed, where="http://x.invalid", idle_s=90)
    assert str(error) == ("cannot reach http://x.invalid: its host name does not resolve "
                          "(check the address, or the network)")


def test_cut_stream_keeps_deltas_and_is_not_retried(
    fake_api: FakeAPI, client: ModelClient
) -> None:
    fake_api.add(Turn(text="partial answer that will be cut", cut_after_chars=12))
    error, seen = error_of(client)
    assert "cut off" in str(error)
    text = "".join(e.text for e in seen if isinstance(e, TextDelta))
    assert text and "partial answer that will be cut".startswith(text)
    assert len(fake_api.requests) == 1


def test_no_key_is_a_clear_error_without_a_request(fake_api: FakeAPI) -> None:
    client = ModelClient(base_url=fake_api.url)
    error, _ = error_of(client)
    assert "no API key" in str(error) and "--demo" in str(error)
    assert fake_api.requests == []


def test_models_from_endpoint_or_fallback(fake_api: FakeAPI, client: ModelClient) -> None:
    served = asyncio.run(client.models())
    assert served == [m["id"] for m in fake_api.models]
    dead = ModelClient(api_key="k", base_url=f"http://127.0.0.1:{closed_port()}")
    assert asyncio.run(dead.models()) == list(FALLBACK_MODELS)


def test_price_by_model_family() -> None:
    assert price("claude-sonnet-5-5", 1_000_000, 0) == 3.0
    assert price("claude-opus-4-1-20250805", 0, 1_000_000) == 75.0
    assert price("claude-haiku-5-5", 1_000_000, 1_000_000) == 6.0
    assert price("llama3.2", 10**6, 10**6) == 0.0


def test_warm_up_builds_what_the_first_reply_would_stall_on() -> None:
    done = subprocess.run(
        [sys.executable, "-c", UNBUILT_AFTER_WARM_UP], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "[]"
