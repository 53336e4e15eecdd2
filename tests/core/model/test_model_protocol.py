"""What real endpoints send, and how they fail, through the real SDK against the loopback API:
nothing received is lost, every failure names its cause, nothing waits past its time-out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from desktop.core.chat.session import ChatSession
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import MessageDone, Retrying, TextDelta, ThinkingDelta
from desktop.core.model.blocks import TextBlock, ThinkingBlock, UnknownBlock
from desktop.core.model.client import ModelClient, RetryPolicy, price
from desktop.core.model.errors import ModelError, retry_after
from desktop.core.store.database import Store

IDLE_S = 0.5


@pytest.fixture
def quick(fake_api: FakeAPI) -> Iterator[ModelClient]:
    """A client that gives a silent server half a second."""
    yield ModelClient(
        api_key="test-key", base_url=fake_api.url, idle_timeout_s=IDLE_S,
        retry=RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.02),
    )


def collect(client: ModelClient, **kwargs: Any) -> list[Any]:
    async def go() -> list[Any]:
        params = {"model": "claude-sonnet-5-5", "messages": [{"role": "user", "content": "hi"}]}
        return [e async for e in client.stream(**{**params, **kwargs})]

    return asyncio.run(go())


def failure(client: ModelClient) -> tuple[ModelError, list[Any], float]:
    """The error a request ends with, the events before it, and how long it took."""
    seen: list[Any] = []

    async def go() -> None:
        params = {"model": "claude-sonnet-5-5", "messages": [{"role": "user", "content": "hi"}]}
        async for event in client.stream(**params):
            seen.append(event)

    started = time.monotonic()
    with pytest.raises(ModelError) as raised:
        asyncio.run(go())
    return raised.value, seen, time.monotonic() - started


def reply(store: Store, client: ModelClient, text: str = "hi") -> Any:
    chat = store.create_conversation(model="claude-sonnet-5-5")
    session = ChatSession(store, client)

    async def go() -> None:
        async for _ in session.send(chat.id, text):
            pass

    asyncio.run(go())
    return store.messages(chat.id)[-1]


# --- completeness ---------------------------------------------------------------------------


def test_a_stream_without_message_stop_is_failed_not_complete(
    fake_api: FakeAPI, quick: ModelClient, store: Store
) -> None:
    fake_api.add(Turn("All of it, but no end.", no_message_stop=True))
    message = reply(store, quick)
    assert message.status == "failed"
    assert message.text == "All of it, but no end."
    assert message.error == "the reply was cut off: the connection closed before the reply ended"


def test_a_cut_in_tool_input_is_named_and_keeps_the_text(
    fake_api: FakeAPI, quick: ModelClient
) -> None:
    turn = Turn("Writing it.", (ToolUse("write_file", {"path": "a.py", "content": "x" * 90}),),
                cut_in_tool_input=True)
    fake_api.add(turn)
    error, _, _ = failure(quick)
    assert "connection closed before the reply ended" in str(error)
    assert error.partial is not None and not error.partial.complete
    [call] = error.partial.tool_uses
    assert call.input == {} and "cut off" in error.partial.input_errors[call.id]
    assert error.partial.text == "Writing it."


def test_a_json_message_instead_of_a_stream_is_taken_as_the_reply(
    fake_api: FakeAPI, quick: ModelClient
) -> None:
    message = ('{"id": "m1", "type": "message", "role": "assistant", "model": "mock",'
               ' "content": [{"type": "text", "text": "mocked"}], "stop_reason": "end_turn",'
               ' "usage": {"input_tokens": 7, "output_tokens": 2}}')
    fake_api.add(Turn(body=message))
    events = collect(quick)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["mocked"]  # shown, too
    done = events[-1]
    assert isinstance(done, MessageDone) and done.complete
    assert (done.text, done.stop_reason, done.usage.input_tokens) == ("mocked", "end_turn", 7)


def test_a_page_instead_of_a_stream_is_a_clear_error(
    fake_api: FakeAPI, quick: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(body="<html><body><h1>Welcome to nginx!</h1></body></html>",
                      content_type="text/html"))
    message = reply(store, quick)
    assert message.status == "failed"
    assert message.error == (
        "the server answered with text/html, not an event stream: Welcome to nginx!"
    )


# --- thinking and unknown blocks ------------------------------------------------------------


def test_thinking_streams_and_is_kept_with_its_signature(
    fake_api: FakeAPI, quick: ModelClient, store: Store
) -> None:
    fake_api.add(Turn("The answer is 4.", thinking="2 and 2 make 4, so the answer is 4."))
    events = collect(quick)
    thought = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    assert thought == "2 and 2 make 4, so the answer is 4."
    done = events[-1]
    assert done.content[0] == ThinkingBlock(thought, "demo-signature")
    assert done.content[1] == TextBlock("The answer is 4.")


def test_chat_sends_thinking_back_unchanged_and_never_a_lone_tool_use(
    fake_api: FakeAPI, quick: ModelClient, store: Store
) -> None:
    fake_api.add(
        Turn("Let me check.", (ToolUse("read_file", {"path": "x"}, id="toolu_1"),),
             thinking="hmm", stop_reason="end_turn"),
        Turn("Second."),
    )
    first = reply(store, quick, "one")
    thinking = {"type": "thinking", "thinking": "hmm", "signature": "demo-signature"}
    assert first.content[0] == thinking
    session = ChatSession(store, quick)

    async def again() -> None:
        async for _ in session.send(first.conversation_id, "two"):
            pass

    asyncio.run(again())
    sent = fake_api.requests[-1]["body"]["messages"]
    assert sent[1] == {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "demo-signature"},
        {"type": "text", "text": "Let me check."},
    ]}


def test_unknown_blocks_are_kept_whole(fake_api: FakeAPI, quick: ModelClient) -> None:
    block = {"type": "server_tool_use", "id": "srv_1", "name": "web_search",
             "input": {"query": "agentdesk"}}
    fake_api.add(Turn("Searched.", extra_blocks=(block,)))
    done = collect(quick)[-1]
    assert done.content[-1] == UnknownBlock(block)


# --- time-outs and retries ------------------------------------------------------------------


def test_a_stream_that_goes_silent_fails_after_the_idle_time_out(
    fake_api: FakeAPI, quick: ModelClient, store: Store
) -> None:
    fake_api.add(Turn("Half a thought and then noth", stall_after_chars=12))
    started = time.monotonic()
    message = reply(store, quick)
    assert time.monotonic() - started < 3 * IDLE_S
    assert (message.status, message.text) == ("failed", "Half a thoug")
    assert message.error == f"the reply was cut off: no data from the server for {IDLE_S:g} s"


def test_a_server_that_never_answers_is_asked_twice_then_named(
    fake_api: FakeAPI, quick: ModelClient
) -> None:
    fake_api.add(Turn(silent=True), Turn(silent=True), Turn("never reached"))
    error, seen, took = failure(quick)
    assert str(error) == f"no data from the server for {IDLE_S:g} s"
    assert [e.reason for e in seen if isinstance(e, Retrying)] == [str(error)]
    assert took < 4 * IDLE_S


def test_retry_after_is_honoured_and_shown(fake_api: FakeAPI, quick: ModelClient) -> None:
    fake_api.add(Turn(status=429, headers={"retry-after": "0.3"}), Turn("ok"))
    events = collect(quick)
    [retry] = [e for e in events if isinstance(e, Retrying)]
    assert retry.delay_s == 0.3 and retry.notice.startswith("rate limited, retrying in 0.3 s")


def test_retry_after_is_capped_at_a_minute() -> None:
    class Answer:
        headers: ClassVar[dict[str, str]] = {"retry-after": "3600"}

    class Refused(Exception):
        response = Answer()

    assert retry_after(Refused()) == 60.0


def test_an_overloaded_event_before_any_text_is_retried(
    fake_api: FakeAPI, quick: ModelClient
) -> None:
    fake_api.add(Turn(stream_error="overloaded_error"), Turn("made it"))
    events = collect(quick)
    assert [e.reason for e in events if isinstance(e, Retrying)] == ["the API is overloaded"]
    assert events[-1].text == "made it"


def test_an_error_event_never_reads_200(fake_api: FakeAPI, quick: ModelClient) -> None:
    fake_api.add(Turn(stream_error="invalid_request_error", error_message="bad thing"))
    error, _, _ = failure(quick)
    assert str(error) == "bad request (400): bad thing"


def test_an_html_error_page_becomes_one_short_line(fake_api: FakeAPI, quick: ModelClient) -> None:
    page = ("<html><head><style>body{color:red}</style><title>502</title></head><body>"
            "<h1>502 Bad Gateway</h1>" + "<p>upstream &amp; more</p>" * 200 + "</body></html>")
    fake_api.add(*[Turn(status=502, body=page, content_type="text/html")] * 3)
    error, _, _ = failure(quick)
    assert str(error).startswith("server error (502): 502 502 Bad Gateway upstream & more")
    assert "<" not in str(error) and len(str(error)) < 240


# --- usage and keys -------------------------------------------------------------------------


def test_usage_reported_at_the_end_and_cache_tokens_are_counted_and_priced(
    fake_api: FakeAPI, quick: ModelClient
) -> None:
    fake_api.add(Turn("cached", input_tokens=1000, output_tokens=10, usage_at_end=True,
                      cache_read_tokens=600, cache_write_tokens=300))
    usage = collect(quick)[-1].usage
    counts = (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens)
    assert counts == (1000, 600, 300)
    assert usage.cost_usd == pytest.approx((100 + 300 * 1.25 + 600 * 0.1) * 3e-6 + 10 * 15e-6)
    assert usage.cost_usd < price("claude-sonnet-5-5", 1000, 10)


def test_a_failed_stream_keeps_the_tokens_it_was_charged(
    fake_api: FakeAPI, quick: ModelClient, store: Store
) -> None:
    fake_api.add(Turn("partial reply", cut_after_chars=7, input_tokens=321))
    message = reply(store, quick)
    assert (message.status, message.text, message.input_tokens) == ("failed", "partial", 321)


def test_other_endpoints_get_the_key_as_x_api_key_too(
    fake_api: FakeAPI, quick: ModelClient
) -> None:
    fake_api.add(Turn("ok"))
    collect(quick)
    assert fake_api.requests[-1]["had_key_headers"] == ["authorization", "x-api-key"]


def test_a_refused_key_names_the_endpoint_and_where_the_key_came_from(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
    fake_api.add(Turn(status=401))
    client = ModelClient(base_url=fake_api.url)
    error, _, _ = failure(client)
    assert f"{fake_api.url} refused the key from ANTHROPIC_API_KEY" in str(error)


# --- hostile text ---------------------------------------------------------------------------


def test_lone_surrogates_are_replaced_not_fatal(
    fake_api: FakeAPI, quick: ModelClient, store: Store
) -> None:
    fake_api.add(Turn("caf\ud800 ok"))
    message = reply(store, quick)
    assert (message.status, message.text) == ("complete", "caf\ufffd ok")


def test_streamed_text_arrives_whole(fake_api: FakeAPI, quick: ModelClient) -> None:
    fake_api.add(Turn("x" * 5000, chunk_chars=7))
    events = collect(quick)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "x" * 5000


def test_retries_and_failures_are_logged(
    fake_api: FakeAPI, quick: ModelClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.add(*[Turn(status=529)] * 3)
    with caplog.at_level(logging.INFO, logger="desktop.core.model.client"):
        failure(quick)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("the API is overloaded, retrying in") and fake_api.url in lines[0]
    assert lines[-1].startswith("request failed: the API is overloaded (529)")
