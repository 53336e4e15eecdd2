"""The one place that talks to the anthropic SDK.

`ModelClient.stream` turns one Messages API request into typed events: `TextDelta` and
`ThinkingDelta` as they arrive, `Retrying` when a passing error makes it wait and try again,
and one complete `MessageDone`. Failures become `ModelError` with a message a user can act on
and what arrived before it. A server that goes silent is given up after the idle time-out
(the HTTP read time-out: no byte for that long), not the SDK's ten minutes.

The SDK is imported lazily, because `import anthropic` costs over a second and must not delay
the first paint, and all of its network I/O runs on the I/O thread (`io_thread`), not on the
caller's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from desktop.core.events import ModelEvent, Retrying, TextDelta, ThinkingDelta
from desktop.core.model.caching import with_breakpoints
from desktop.core.model.errors import (
    Incomplete,
    ModelError,
    as_model_error,
    is_timeout,
    one_line,
    retry_after,
    retry_reason,
    retryable,
)
from desktop.core.model.io_thread import on_io_thread, relayed
from desktop.core.model.reply import ReplyBuilder, message_events

DEFAULT_MODEL = "claude-sonnet-5-5"
FALLBACK_MODELS = ("claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5")

# Estimated USD per million tokens (input, output), matched by the longest model-id prefix.
# Unknown models (local endpoints, new families) cost 0 and show no cost.
PRICES: dict[str, tuple[float, float]] = {
    "claude-opus-4-0": (15.0, 75.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus": (5.0, 25.0),
    "claude-sonnet": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku": (1.0, 5.0),
    "claude-3-5-haiku": (0.8, 4.0),
}

log = logging.getLogger(__name__)

IDLE_TIMEOUT_S = 90.0
CONNECT_TIMEOUT_S = 10.0
TIMEOUT_ATTEMPTS = 2  # a silent server is asked once more, not four times
CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1


def idle_timeout(setting: float | None = None) -> float:
    """Seconds of silence after which a request or a stream is given up:
    AGENTDESK_STREAM_IDLE_TIMEOUT_S when set, else the setting, else 90."""
    try:
        value = float(os.environ.get("AGENTDESK_STREAM_IDLE_TIMEOUT_S") or setting or 0)
    except ValueError:
        value = 0.0
    return value if value > 0 else IDLE_TIMEOUT_S


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently passing failures (429, 529, 5xx, network) are retried."""

    attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 16.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))


def price(
    model: str, input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0
) -> float:
    """Estimated cost in USD; 0 for models not in the table (local endpoints are free).

    `input_tokens` is all input; of it, `cache_write` is billed at 1.25× and `cache_read` at
    a tenth of the input price."""
    for prefix in sorted(PRICES, key=len, reverse=True):
        if model.startswith(prefix):
            per_in, per_out = PRICES[prefix]
            fresh = max(0, input_tokens - cache_read - cache_write)
            billed_in = (
                fresh + cache_write * CACHE_WRITE_FACTOR + cache_read * CACHE_READ_FACTOR
            )
            return (billed_in * per_in + output_tokens * per_out) / 1_000_000
    return 0.0


WARM_EVENTS: tuple[dict[str, Any], ...] = (
    {"type": "message_start", "message": {
        "id": "m", "type": "message", "role": "assistant", "model": "m", "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0}}},
    *({"type": "content_block_start", "index": 0, "content_block": block} for block in (
        {"type": "text", "text": ""},
        {"type": "thinking", "thinking": "", "signature": ""},
        {"type": "tool_use", "id": "warm", "name": "warm", "input": {}},
    )),
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "input_json_delta", "partial_json": ""}},
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "thinking_delta", "thinking": ""}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
     "usage": {"output_tokens": 0}},
    {"type": "message_stop"},
)


def warm_up() -> None:
    """Build the SDK's validator for stream events, and the serializers that turn them into
    dicts, now, off the UI thread: pydantic builds each on first use (~25 ms and ~5 ms holding
    the GIL), which stalled the window at a session's first reply. Best effort (it reaches into
    the SDK's private `_models`): on failure the first reply pays."""
    with contextlib.suppress(Exception):
        from anthropic._models import construct_type
        from anthropic.types import RawMessageStreamEvent

        for event in WARM_EVENTS:
            construct_type(type_=RawMessageStreamEvent, value=event).to_dict()


def env_api_key() -> str | None:
    return os.environ.get("ANTHROPIC_API_KEY") or None


def _joined(first: ModelEvent, second: ModelEvent) -> ModelEvent | None:
    """Text (or thinking) deltas that arrive together are handled as one."""
    if isinstance(first, TextDelta) and isinstance(second, TextDelta):
        return TextDelta(first.text + second.text)
    if isinstance(first, ThinkingDelta) and isinstance(second, ThinkingDelta):
        return ThinkingDelta(first.text + second.text)
    return None


def is_anthropic(base_url: str | None) -> bool:
    return not base_url or urlsplit(base_url).hostname == "api.anthropic.com"


class ModelClient:
    """A Messages API endpoint: Anthropic's, a local server's, or the built-in demo.

    It satisfies `ModelStream` (core/model/stream.py), the interface the agent and the chat
    session depend on.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        retry: RetryPolicy | None = None,
        idle_timeout_s: float | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        fallback_models: Sequence[str] = FALLBACK_MODELS,
        key_source: str = "",
        prompt_caching: bool | None = None,
    ) -> None:
        from_env = not api_key and bool(env_api_key())
        self.api_key = api_key or env_api_key()
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self.retry = retry or RetryPolicy()
        self.idle_timeout_s = idle_timeout(idle_timeout_s)
        self.connect_timeout_s = connect_timeout_s
        self.fallback_models = tuple(fallback_models) or FALLBACK_MODELS
        self.key_source = key_source or ("ANTHROPIC_API_KEY" if from_env else "")
        self.prompt_caching = (
            is_anthropic(self.base_url) if prompt_caching is None else prompt_caching
        )
        self._sdk: Any = None
        self._sdk_loop: asyncio.AbstractEventLoop | None = None

    @property
    def where(self) -> str:
        return self.base_url or "the Anthropic API"

    def _client(self) -> Any:
        """The SDK client for the running loop: pooled connections belong to one loop."""
        loop = asyncio.get_running_loop()
        if self._sdk is None or self._sdk_loop is not loop:
            if not self.api_key:
                raise ModelError(
                    "no API key: set ANTHROPIC_API_KEY, add one in Settings, "
                    "or start with --demo"
                )
            import anthropic

            # The SDK sends the key as a Bearer token; servers that speak the Messages API
            # (LiteLLM, llama-server, proxies) often read x-api-key instead, so they get both.
            headers = {} if is_anthropic(self.base_url) else {"x-api-key": self.api_key}
            self._sdk = anthropic.AsyncAnthropic(
                api_key=self.api_key,
                base_url=self.base_url,
                max_retries=0,
                timeout=anthropic.Timeout(self.idle_timeout_s, connect=self.connect_timeout_s),
                default_headers=headers,
            )
            self._sdk_loop = loop
        return self._sdk

    @relayed(join=_joined)  # read on the I/O thread; the caller's loop gets the events
    async def stream(
        self,
        *,
        model: str,
        messages: Sequence[dict[str, Any]],
        system: str = "",
        tools: Sequence[dict[str, Any]] = (),
        max_tokens: int = 4096,
        temperature: float | None = None,
        thinking_budget: int = 0,
        long_cache: bool = False,
    ) -> AsyncIterator[ModelEvent]:
        """Stream one reply, ending with a complete MessageDone, or raise ModelError (whose
        `partial` holds what arrived). Retries happen only before anything was shown."""
        params = _params(model, messages, system, tools, max_tokens, temperature, thinking_budget)
        if self.prompt_caching:  # `long_cache`: the prefix may wait on the user for minutes
            params = with_breakpoints(params, long_prefix=long_cache)
        attempt = 0
        while True:
            reply = ReplyBuilder(model)
            shown = False
            try:
                async for delta in self._stream_once(params, reply):
                    shown = True
                    yield delta
                if not reply.complete:
                    raise Incomplete
                break
            except Exception as exc:
                attempt += 1
                error = self._error(exc)
                partial = reply.done(price) if reply.received else None
                if shown:
                    cut = f"the reply was cut off: {error}"
                    log.warning("%s (%s, %s)", cut, self.where, model)
                    raise ModelError(cut, status=error.status, partial=partial) from exc
                if not self._retry(exc, attempt):
                    log.warning("request failed: %s (%s, %s)", error, self.where, model)
                    error.partial = partial
                    raise error from exc
                delay = retry_after(exc)
                delay = self.retry.delay(attempt) if delay is None else delay
                retrying = Retrying(attempt, delay, retry_reason(exc, self.idle_timeout_s))
                log.info("%s (%s, %s)", retrying.notice, self.where, model)
                yield retrying
                await asyncio.sleep(delay)
        yield reply.done(price)

    def _retry(self, exc: Exception, attempt: int) -> bool:
        limit = TIMEOUT_ATTEMPTS if is_timeout(exc) else self.retry.attempts
        return retryable(exc) and attempt < min(limit, self.retry.attempts)

    def _error(self, exc: Exception) -> ModelError:
        return as_model_error(
            exc, where=self.where, idle_s=self.idle_timeout_s, key_source=self.key_source
        )

    async def _stream_once(
        self, params: dict[str, Any], reply: ReplyBuilder
    ) -> AsyncIterator[TextDelta | ThinkingDelta]:
        stream = await self._client().messages.create(stream=True, **params)
        async with stream:
            kind = stream.response.headers.get("content-type", "")
            events = (
                _sse_events(stream) if "event-stream" in kind
                else _single_message(stream.response, kind)
            )
            async for event in events:
                shown = reply.apply(event)
                if isinstance(shown, str) and shown:
                    yield TextDelta(shown)
                elif isinstance(shown, ThinkingDelta) and shown.text:
                    yield shown

    async def models(self) -> list[str]:
        """Model ids the endpoint offers, else `fallback_models`: a local server without a
        model list (a 404 on /v1/models) is not an error."""
        try:
            ids = await self.list_models()
        except ModelError:
            return list(self.fallback_models)
        return ids or list(self.fallback_models)

    @on_io_thread
    async def list_models(self) -> list[str]:
        """The endpoint's model ids; ModelError when it cannot be asked (Test connection)."""
        try:
            page = await self._client().models.list(limit=100)
            return [m.id for m in page.data]
        except Exception as exc:
            raise self._error(exc) from exc

    @on_io_thread
    async def aclose(self) -> None:
        if self._sdk is not None and self._sdk_loop is asyncio.get_running_loop():
            await self._sdk.close()
        self._sdk = None


def _params(
    model: str,
    messages: Sequence[dict[str, Any]],
    system: str,
    tools: Sequence[dict[str, Any]],
    max_tokens: int,
    temperature: float | None,
    thinking_budget: int,
) -> dict[str, Any]:
    params: dict[str, Any] = {"model": model, "messages": list(messages), "max_tokens": max_tokens}
    if system:
        params["system"] = system
    if tools:
        params["tools"] = list(tools)
    extra: dict[str, Any] = {}
    if thinking_budget > 0:  # the API refuses a temperature alongside thinking
        extra["thinking"] = {"type": "enabled", "budget_tokens": thinking_budget}
        params["max_tokens"] = max(max_tokens, thinking_budget + 1024)
    elif temperature is not None:  # the SDK no longer has the argument; endpoints take it
        extra["temperature"] = temperature
    if extra:
        params["extra_body"] = extra
    return params


async def _sse_events(stream: Any) -> AsyncIterator[dict[str, Any]]:
    """The SDK's stream events as the API's dicts; text deltas without pydantic's dump."""
    async for event in stream:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            yield {"type": event.type, "index": event.index,
                   "delta": {"type": "text_delta", "text": event.delta.text}}
        else:
            yield event.to_dict()


async def _single_message(response: Any, kind: str) -> AsyncIterator[dict[str, Any]]:
    """A 200 answer that is not a stream: one JSON message (some proxies' mock models answer
    so) is replayed as the events it stands for; anything else is a clear error."""
    body = await response.aread()
    try:
        events = message_events(json.loads(body))
    except ValueError:
        events = None
    if events is None:
        shown = kind.split(";")[0] or "no content type"
        text = one_line(body[:2000].decode("utf-8", "replace"))
        raise ModelError(f"the server answered with {shown}, not an event stream: {text}")
    for event in events:
        yield event
