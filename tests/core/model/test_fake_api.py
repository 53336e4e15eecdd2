"""FakeAPI against the real anthropic SDK (and raw HTTP where the wire format itself matters)."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anthropic
import httpx2
import pytest

from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.demo.script import demo_responder

KEY = "sk-test-secret-key"
HELLO = [{"role": "user", "content": "hello"}]
T = TypeVar("T")


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    """A started server; on teardown it must have stopped every thread it started."""
    before = set(threading.enumerate())
    with FakeAPI() as server:
        yield server
    leaked = [t for t in threading.enumerate() if t not in before]
    assert not leaked, f"threads left running: {leaked}"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine with a deadline, so a stream that hangs fails the test instead."""
    return asyncio.run(asyncio.wait_for(coro, timeout=5))


# Plain HTTP on loopback: verify=False only skips loading the CA bundle (~40 ms a client).


def aclient(api: FakeAPI) -> anthropic.AsyncAnthropic:
    http = anthropic.DefaultAsyncHttpxClient(verify=False)
    return anthropic.AsyncAnthropic(base_url=api.url, api_key=KEY, max_retries=0, http_client=http)


def client(api: FakeAPI) -> anthropic.Anthropic:
    http = anthropic.DefaultHttpxClient(verify=False)
    return anthropic.Anthropic(base_url=api.url, api_key=KEY, max_retries=0, http_client=http)


async def stream_text(api: FakeAPI, **params: Any) -> tuple[str, Any]:
    """Stream one request through the SDK; the text and the final message."""
    params = {"model": "claude-test", "max_tokens": 100, "messages": HELLO, **params}
    async with aclient(api) as sdk, sdk.messages.stream(**params) as stream:
        text = "".join([piece async for piece in stream.text_stream])
        return text, await stream.get_final_message()


async def stream_until_error(api: FakeAPI) -> tuple[list[str], BaseException]:
    """Stream through the SDK, expecting it to raise; the text seen before and the error."""
    pieces: list[str] = []
    params = {"model": "m", "max_tokens": 100, "messages": HELLO}
    async with aclient(api) as sdk:
        try:
            async with sdk.messages.stream(**params) as stream:
                async for piece in stream.text_stream:
                    pieces.append(piece)
                await stream.get_final_message()
        except Exception as exc:
            return pieces, exc
    raise AssertionError("the SDK did not raise")


def raw(
    api: FakeAPI, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    """One plain HTTP request, to check the wire format the SDK would hide."""
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(api.url).port, timeout=5)
    data = None if body is None else json.dumps(body).encode()
    sent = {"x-api-key": KEY, "content-type": "application/json"} if headers is None else headers
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def sse_events(payload: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for chunk in payload.decode().strip().split("\n\n"):
        name_line, data_line = chunk.split("\n")
        assert name_line.startswith("event: ") and data_line.startswith("data: ")
        events.append((name_line[7:], json.loads(data_line[6:])))
    return events


def stream_body(**extra: Any) -> dict[str, Any]:
    return {"model": "claude-test", "max_tokens": 50, "messages": HELLO, "stream": True, **extra}


# --- messages -----------------------------------------------------------------------------


def test_streamed_text_arrives_whole_with_end_turn_and_usage(api: FakeAPI) -> None:
    api.add(Turn(text="Hello, streaming world! " * 3, chunk_chars=5))
    text, message = run(stream_text(api))
    assert text == "Hello, streaming world! " * 3
    assert message.stop_reason == "end_turn"
    assert message.model == "claude-test"
    assert message.id.startswith("msg_")
    assert message.usage.input_tokens > 0
    assert message.usage.output_tokens == len(text) // 4


def test_turn_can_set_usage_and_stop_reason(api: FakeAPI) -> None:
    api.add(Turn(text="cut short", input_tokens=7, output_tokens=9, stop_reason="max_tokens"))
    _, message = run(stream_text(api))
    assert (message.usage.input_tokens, message.usage.output_tokens) == (7, 9)
    assert message.stop_reason == "max_tokens"


def test_sse_wire_format(api: FakeAPI) -> None:
    api.add(Turn(text="abcdefghij", chunk_chars=4))
    response, payload = raw(api, "POST", "/v1/messages", stream_body())
    assert response.status == 200
    assert response.getheader("content-type").startswith("text/event-stream")
    assert response.getheader("transfer-encoding") == "chunked"
    assert response.getheader("request-id").startswith("req_")
    events = sse_events(payload)
    names = [name for name, _ in events]
    assert names == [
        "message_start",
        "ping",
        "content_block_start",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(data["type"] == name for name, data in events)
    start = events[0][1]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert start["role"] == "assistant" and start["usage"]["output_tokens"] == 1
    assert [d["delta"]["text"] for n, d in events if n == "content_block_delta"] == [
        "abcd",
        "efgh",
        "ij",
    ]
    assert events[-2][1]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}


def test_tool_use_reaches_the_sdk_with_its_exact_input(api: FakeAPI) -> None:
    args = {"path": "src/app.py", "lines": [1, 2], "opts": {"deep": True, "note": "ünï"}}
    api.add(Turn(text="Reading.", tool_uses=(ToolUse("read_file", args, id="toolu_fixed"),)))
    api.add(Turn(tool_uses=(ToolUse("list_files"),)))
    _, first = run(stream_text(api))
    text, second = run(stream_text(api))
    assert first.stop_reason == "tool_use"
    assert [b.type for b in first.content] == ["text", "tool_use"]
    tool = first.content[1]
    assert (tool.id, tool.name, tool.input) == ("toolu_fixed", "read_file", args)
    assert text == "" and [b.type for b in second.content] == ["tool_use"]
    assert second.content[0].id.startswith("toolu_") and second.content[0].input == {}


def test_tool_input_is_split_into_several_json_deltas(api: FakeAPI) -> None:
    args = {"items": [{"text": "one", "status": "done"}, {"text": "two", "status": "pending"}]}
    api.add(Turn(tool_uses=(ToolUse("update_plan", args),)))
    _, payload = raw(api, "POST", "/v1/messages", stream_body())
    events = sse_events(payload)
    block = events[2][1]["content_block"]
    assert block["type"] == "tool_use" and block["input"] == {}  # no text block before it
    parts = [d["delta"]["partial_json"] for n, d in events if n == "content_block_delta"]
    assert len(parts) > 1
    assert json.loads("".join(parts)) == args


def test_raw_json_is_sent_verbatim_and_the_sdk_fails_clearly(api: FakeAPI) -> None:
    garbage = '{"path": nope, }'
    api.add(Turn(tool_uses=(ToolUse("read_file", raw_json=garbage),)))
    _, payload = raw(api, "POST", "/v1/messages", stream_body())
    parts = [
        d["delta"]["partial_json"] for n, d in sse_events(payload) if n == "content_block_delta"
    ]
    assert "".join(parts) == garbage
    api.add(Turn(tool_uses=(ToolUse("read_file", raw_json=garbage),)))
    _, error = run(stream_until_error(api))
    assert isinstance(error, ValueError)
    assert "Unable to parse tool parameter JSON" in str(error)


def test_non_streaming_create_returns_the_message(api: FakeAPI) -> None:
    api.add(Turn(text="whole reply", tool_uses=(ToolUse("list_files", {"pattern": "*.md"}),)))
    with client(api) as sdk:
        message = sdk.messages.create(model="claude-test", max_tokens=10, messages=HELLO)
    assert [b.type for b in message.content] == ["text", "tool_use"]
    assert message.content[0].text == "whole reply"
    assert message.content[1].input == {"pattern": "*.md"}
    assert message.stop_reason == "tool_use" and message.stop_sequence is None
    assert message.usage.input_tokens > 0


def test_json_replies_carry_content_length(api: FakeAPI) -> None:
    api.add(Turn(text="hi"))
    body = {k: v for k, v in stream_body().items() if k != "stream"}
    response, payload = raw(api, "POST", "/v1/messages", body)
    assert response.getheader("content-type") == "application/json"
    assert int(response.getheader("content-length")) == len(payload)
    assert json.loads(payload)["content"] == [{"type": "text", "text": "hi"}]


def test_paced_stream_takes_its_time(api: FakeAPI) -> None:
    api.add(Turn(text="x" * 40, tokens_per_s=100))  # 10 tokens at 100/s
    started = time.monotonic()
    text, _ = run(stream_text(api))
    assert text == "x" * 40
    assert time.monotonic() - started >= 0.09


# --- failures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_type", "exc_class"),
    [
        (400, "invalid_request_error", anthropic.BadRequestError),
        (401, "authentication_error", anthropic.AuthenticationError),
        (403, "permission_error", anthropic.PermissionDeniedError),
        (404, "not_found_error", anthropic.NotFoundError),
        (413, "request_too_large", anthropic.ContentTooLargeError),
        (429, "rate_limit_error", anthropic.RateLimitError),
        (500, "api_error", anthropic.InternalServerError),
        (529, "overloaded_error", anthropic.OverloadedError),
    ],
)
def test_error_status_maps_to_the_sdk_exception(
    api: FakeAPI, status: int, error_type: str, exc_class: type[Exception]
) -> None:
    api.add(Turn(status=status, error_message=f"boom {status}"))
    with client(api) as sdk, pytest.raises(anthropic.APIStatusError) as caught:
        sdk.messages.create(model="m", max_tokens=10, messages=HELLO)
    error = caught.value
    assert type(error) is exc_class
    assert error.status_code == status
    assert error.body == {
        "type": "error",
        "error": {"type": error_type, "message": f"boom {status}"},
    }
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert "retry-after" not in error.response.headers
    assert len(api.requests) == 1  # max_retries=0: the SDK tried once


def test_streamed_request_errors_before_any_text(api: FakeAPI) -> None:
    api.add(Turn(status=529, error_type="custom_error"))
    pieces, error = run(stream_until_error(api))
    assert pieces == []
    assert isinstance(error, anthropic.OverloadedError)
    assert error.body["error"] == {"type": "custom_error", "message": "custom_error"}


def test_cut_stream_raises_after_the_partial_text(api: FakeAPI) -> None:
    api.add(Turn(text="abcdefghijkl", chunk_chars=4, cut_after_chars=6))
    pieces, error = run(stream_until_error(api))
    assert "".join(pieces) == "abcdef"
    assert isinstance(error, httpx2.RemoteProtocolError | anthropic.APIConnectionError)


def test_stream_error_event_raises_after_the_text(api: FakeAPI) -> None:
    api.add(Turn(text="partial", stream_error="overloaded_error"))
    pieces, error = run(stream_until_error(api))
    assert "".join(pieces) == "partial"
    assert isinstance(error, anthropic.APIStatusError)
    assert error.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }


@pytest.mark.parametrize("missing", ["model", "messages", "max_tokens"])
def test_missing_required_field_is_a_400_naming_it(api: FakeAPI, missing: str) -> None:
    api.add(Turn(text="never sent"))
    body = {k: v for k, v in stream_body().items() if k != missing}
    response, payload = raw(api, "POST", "/v1/messages", body)
    error = json.loads(payload)["error"]
    assert response.status == 400 and error["type"] == "invalid_request_error"
    assert missing in error["message"]
    assert len(api._script) == 1  # a rejected request does not use up a turn


def test_missing_credentials_is_a_401(api: FakeAPI) -> None:
    response, payload = raw(api, "POST", "/v1/messages", stream_body(), headers={})
    assert response.status == 401
    assert json.loads(payload)["error"]["type"] == "authentication_error"
    response, _ = raw(api, "GET", "/v1/models", headers={"authorization": "Bearer t"})
    assert response.status == 200


def test_unknown_path_is_a_404(api: FakeAPI) -> None:
    response, payload = raw(api, "GET", "/v1/nothing")
    assert response.status == 404
    assert json.loads(payload)["error"]["type"] == "not_found_error"


def test_exhausted_script_is_a_500(api: FakeAPI) -> None:
    with client(api) as sdk, pytest.raises(anthropic.InternalServerError) as caught:
        sdk.messages.create(model="m", max_tokens=10, messages=HELLO)
    assert "exhausted" in caught.value.message


def test_responder_answers_once_the_script_runs_out() -> None:
    seen: list[dict[str, Any]] = []

    def echo(body: dict[str, Any]) -> Turn:
        seen.append(body)
        return Turn(text=f"echo: {body['messages'][-1]['content']}")

    with FakeAPI([Turn(text="scripted")], responder=echo) as api, client(api) as sdk:
        replies = [
            sdk.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": w}])
            for w in ("one", "two")
        ]
    assert [r.content[0].text for r in replies] == ["scripted", "echo: two"]
    assert len(seen) == 1 and seen[0]["messages"][0]["content"] == "two"


def test_responder_bug_is_reported_as_a_500() -> None:
    def broken(body: dict[str, Any]) -> Turn:
        raise KeyError("oops")

    with (
        FakeAPI(responder=broken) as api,
        client(api) as sdk,
        pytest.raises(anthropic.InternalServerError) as caught,
    ):
        sdk.messages.create(model="m", max_tokens=10, messages=HELLO)
    assert "oops" in caught.value.message


# --- models, log, lifecycle ---------------------------------------------------------------


def test_models_list(api: FakeAPI) -> None:
    api.models = [
        {"type": "model", "id": "a", "display_name": "A", "created_at": "2025-01-01T00:00:00Z"},
        {"type": "model", "id": "b", "display_name": "B", "created_at": "2025-02-01T00:00:00Z"},
    ]

    async def ids() -> list[tuple[str, str]]:
        async with aclient(api) as sdk:
            return [(m.id, m.display_name) async for m in await sdk.models.list()]

    assert run(ids()) == [("a", "A"), ("b", "B")]
    _, payload = raw(api, "GET", "/v1/models")
    page = json.loads(payload)
    assert (page["has_more"], page["first_id"], page["last_id"]) == (False, "a", "b")


def test_default_models_are_claude(api: FakeAPI) -> None:
    with client(api) as sdk:
        models = list(sdk.models.list())
    assert models and all(m.id.startswith("claude-") and m.display_name for m in models)


def test_request_log_keeps_the_body_and_drops_the_key(api: FakeAPI) -> None:
    api.add(Turn(text="ok"))
    run(stream_text(api, system="be brief"))
    [entry] = api.requests
    assert (entry["method"], entry["path"]) == ("POST", "/v1/messages")
    assert entry["body"]["system"] == "be brief" and entry["body"]["stream"] is True
    assert "x-api-key" not in entry["headers"]
    assert entry["headers"]["content-type"] == "application/json"
    assert KEY not in repr(api.requests)


def test_stop_cuts_idle_keepalive_connections() -> None:
    before = set(threading.enumerate())
    api = FakeAPI([Turn(text="one")]).start()
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(api.url).port, timeout=5)
    conn.request("GET", "/v1/models", headers={"x-api-key": KEY})
    conn.getresponse().read()  # the connection stays open, its handler thread waiting
    started = time.monotonic()
    api.stop()
    conn.close()
    assert time.monotonic() - started < 2
    assert set(threading.enumerate()) <= before


def test_client_leaving_mid_stream_is_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeAPI([Turn(text="x" * 2_000_000, chunk_chars=1000), Turn(text="still here")]) as api:
        conn = http.client.HTTPConnection("127.0.0.1", urlsplit(api.url).port, timeout=5)
        data = json.dumps(stream_body()).encode()
        conn.request("POST", "/v1/messages", body=data, headers={"x-api-key": KEY})
        conn.getresponse().read(100)
        conn.close()  # the server is still writing megabytes into this socket
        text, _ = run(stream_text(api))
    assert text == "still here"
    assert capsys.readouterr().err == ""


def test_url_needs_a_started_server() -> None:
    with pytest.raises(RuntimeError):
        _ = FakeAPI().url


# --- demo ---------------------------------------------------------------------------------

DEMO_TOOLS = [
    {"name": name, "description": name, "input_schema": {"type": "object"}}
    for name in ("update_plan", "list_files", "read_file", "search", "edit_file", "run_command")
]


def test_demo_chat_reply_echoes_and_shows_markdown() -> None:
    body = {"model": "demo", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi demo"}]}
    turn = demo_responder(body)
    assert "> Hi demo" in turn.text
    assert "```python" in turn.text and "\n- " in turn.text and "**" in turn.text
    assert "ANTHROPIC_API_KEY" in turn.text
    assert turn.tokens_per_s == 200 and not turn.tool_uses


def test_demo_chat_streams_through_the_sdk() -> None:
    with FakeAPI(responder=demo_responder) as api, client(api) as sdk:
        message = sdk.messages.create(model="demo", max_tokens=100, messages=HELLO)
    assert "```python" in message.content[0].text and message.stop_reason == "end_turn"


def test_demo_agent_knows_only_the_sample_project() -> None:
    messages = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "list_files"}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "src/app.py\nREADME.md"}]},
    ]
    body = {"model": "demo", "max_tokens": 10, "messages": messages, "tools": DEMO_TOOLS}
    turn = demo_responder(body)
    assert not turn.tool_uses and "only project I know is the sample one" in turn.text
