"""The one place that talks to the anthropic SDK.

`ModelClient.stream` turns one Messages API request into typed events: `TextDelta` as text
arrives, `Retrying` when a passing error makes it wait and try again, and one `MessageDone`.
Failures become `ModelError` with a message a user can act on. The SDK is imported lazily,
because `import anthropic` costs over a second and must not delay the first paint, and all of
its network I/O runs on the I/O thread (`io_thread`), not on the caller's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.core.events import MessageDone, ModelEvent, Retrying, TextDelta, Usage
from desktop.core.io_thread import on_io_thread, relayed

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

RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}


class ModelError(Exception):
    """A request that failed for good; `str()` is one line a user can act on."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently passing failures (429, 529, 5xx, network) are retried."""

    attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 16.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))


def price(model: str, input_tokens: int, output_tokens: int) -> float:
    """Estimated cost in USD; 0 for models not in the table (local endpoints are free)."""
    for prefix in sorted(PRICES, key=len, reverse=True):
        if model.startswith(prefix):
            per_in, per_out = PRICES[prefix]
            return (input_tokens * per_in + output_tokens * per_out) / 1_000_000
    return 0.0


WARM_BLOCKS = (
    {"type": "text", "text": ""},
    {"type": "tool_use", "id": "warm", "name": "warm", "input": {}},
)


def warm_up() -> None:
    """Build the SDK's validator for stream events, and the serializers `_apply` uses, now,
    off the UI thread: pydantic builds each on first use (~25 ms and ~5 ms holding the GIL),
    which stalled the window at a session's first reply. Best effort (it reaches into the
    SDK's private `_models`): on failure the first reply pays."""
    with contextlib.suppress(Exception):
        from anthropic._models import construct_type
        from anthropic.types import RawMessageStreamEvent

        for block in WARM_BLOCKS:
            event = {"type": "content_block_start", "index": 0, "content_block": block}
            construct_type(type_=RawMessageStreamEvent, value=event).content_block.model_dump()


def env_api_key() -> str | None:
    return os.environ.get("ANTHROPIC_API_KEY") or None


@dataclass
class _Reply:
    """The reply being assembled from raw stream events."""

    model: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    partial_json: dict[int, str] = field(default_factory=dict)
    input_errors: dict[str, str] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str | None = None

    def text(self) -> str:
        return "".join(b.get("text", "") for b in self.blocks if b["type"] == "text")


def _joined_text(first: ModelEvent, second: ModelEvent) -> ModelEvent | None:
    """Text deltas that arrive together are handled as one."""
    if isinstance(first, TextDelta) and isinstance(second, TextDelta):
        return TextDelta(first.text + second.text)
    return None


class ModelClient:
    """A Messages API endpoint: Anthropic's, a local server's, or the built-in demo."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 600.0,
        fallback_models: Sequence[str] = FALLBACK_MODELS,
    ) -> None:
        self.api_key = api_key or env_api_key()
        self.base_url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self.fallback_models = tuple(fallback_models) or FALLBACK_MODELS
        self._sdk: Any = None
        self._sdk_loop: asyncio.AbstractEventLoop | None = None

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

            self._sdk = anthropic.AsyncAnthropic(
                api_key=self.api_key,
                base_url=self.base_url,
                max_retries=0,
                timeout=self.timeout_s,
            )
            self._sdk_loop = loop
        return self._sdk

    @relayed(join=_joined_text)  # read on the I/O thread; the caller's loop gets the events
    async def stream(
        self,
        *,
        model: str,
        messages: Sequence[dict[str, Any]],
        system: str = "",
        tools: Sequence[dict[str, Any]] = (),
        max_tokens: int = 4096,
        temperature: float | None = None,
    ) -> AsyncIterator[ModelEvent]:
        """Stream one reply. Retries happen only before the first delta is yielded."""
        params: dict[str, Any] = {"model": model, "messages": list(messages)}
        params["max_tokens"] = max_tokens
        if system:
            params["system"] = system
        if tools:
            params["tools"] = list(tools)
        if temperature is not None:  # the SDK no longer has the argument; endpoints still take it
            params["extra_body"] = {"temperature": temperature}
        attempt = 0
        while True:
            reply = _Reply(model=model)
            yielded = False
            try:
                async for delta in self._stream_once(params, reply):
                    yielded = True
                    yield delta
                break
            except Exception as exc:
                attempt += 1
                if yielded:
                    why = _as_model_error(exc, self.base_url)
                    raise ModelError(f"the reply was cut off: {why}", status=why.status) from exc
                if not _retryable(exc) or attempt >= self.retry.attempts:
                    raise _as_model_error(exc, self.base_url) from exc
                delay = self.retry.delay(attempt)
                yield Retrying(attempt, delay, _retry_reason(exc))
                await asyncio.sleep(delay)
        usage = Usage(
            reply.input_tokens,
            reply.output_tokens,
            price(reply.model, reply.input_tokens, reply.output_tokens),
        )
        yield MessageDone(
            tuple(reply.blocks), reply.stop_reason, usage, reply.model, reply.input_errors
        )

    async def _stream_once(self, params: dict[str, Any], reply: _Reply) -> AsyncIterator[TextDelta]:
        stream = await self._client().messages.create(stream=True, **params)
        async with stream:
            async for event in stream:
                delta = _apply(reply, event)
                if delta:
                    yield TextDelta(delta)

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
            raise _as_model_error(exc, self.base_url) from exc

    @on_io_thread
    async def aclose(self) -> None:
        if self._sdk is not None and self._sdk_loop is asyncio.get_running_loop():
            await self._sdk.close()
        self._sdk = None


def _apply(reply: _Reply, event: Any) -> str:
    """Fold one raw stream event into the reply; return any new visible text."""
    kind = event.type
    if kind == "message_start":
        reply.model = event.message.model or reply.model
        # Local servers may leave usage or its caching fields out: count what is there.
        usage = getattr(event.message, "usage", None)
        reply.input_tokens = sum(
            getattr(usage, name, None) or 0
            for name in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
        )
        reply.output_tokens = getattr(usage, "output_tokens", None) or 0
    elif kind == "content_block_start":
        block = event.content_block.model_dump(exclude_none=True)
        if block["type"] == "tool_use":
            block["input"] = {}
        reply.blocks.append(block)
    elif kind == "content_block_delta":
        delta = event.delta
        block = reply.blocks[event.index]
        if delta.type == "text_delta":
            block["text"] = block.get("text", "") + delta.text
            return delta.text
        if delta.type == "input_json_delta":
            reply.partial_json[event.index] = reply.partial_json.get(event.index, "") + (
                delta.partial_json
            )
    elif kind == "content_block_stop":
        _finish_tool_input(reply, event.index)
    elif kind == "message_delta":
        reply.stop_reason = event.delta.stop_reason
        usage = getattr(event, "usage", None)
        reply.output_tokens = getattr(usage, "output_tokens", None) or reply.output_tokens
    return ""


def _finish_tool_input(reply: _Reply, index: int) -> None:
    block = reply.blocks[index]
    if block["type"] != "tool_use":
        return
    raw = reply.partial_json.pop(index, "")
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        reply.input_errors[block["id"]] = f"the tool input is not JSON ({exc.msg}): {raw:.200}"
        return
    if isinstance(value, dict):
        block["input"] = value
    else:
        reply.input_errors[block["id"]] = f"the tool input must be a JSON object, got: {raw:.200}"


def _status(exc: Exception) -> int | None:
    return getattr(exc, "status_code", None)


def _retryable(exc: Exception) -> bool:
    import anthropic

    if isinstance(exc, anthropic.APIConnectionError):  # includes timeouts
        return True
    status = _status(exc)
    return status in RETRY_STATUSES


def _retry_reason(exc: Exception) -> str:
    status = _status(exc)
    if status == 529:
        return "the API is overloaded"
    if status == 429:
        return "rate limited"
    if status is None:
        return "connection failed"
    return f"server error ({status})"


_HINTS = {
    400: "bad request",
    401: "authentication failed",
    403: "permission denied",
    404: "not found",
    413: "request too large",
    429: "rate limited",
    529: "the API is overloaded",
}


def _as_model_error(exc: Exception, base_url: str | None) -> ModelError:
    """One clear line for any SDK failure."""
    if isinstance(exc, ModelError):
        return exc
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        return ModelError("the request timed out")
    if isinstance(exc, anthropic.APIConnectionError):
        where = base_url or "the Anthropic API"
        return ModelError(f"cannot reach {where}: {exc.__cause__ or exc}")
    status = _status(exc)
    detail = _api_message(exc)
    if status == 401:
        hint = "set ANTHROPIC_API_KEY or add a key in Settings"
        return ModelError(f"authentication failed (401): {hint} ({detail})", status=401)
    if status is not None:
        label = _HINTS.get(status, "server error" if status >= 500 else "request failed")
        return ModelError(f"{label} ({status}): {detail}", status=status)
    if isinstance(exc, anthropic.APIError):
        return ModelError(f"the API reported an error: {detail}")
    return ModelError(f"the stream broke: {exc}")


def _api_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return str(getattr(exc, "message", "") or exc)
