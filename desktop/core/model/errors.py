"""What went wrong with a model request, in one line a user can act on, and whether to retry.

The SDK raises many shapes of failure: HTTP statuses with the API's JSON, a proxy's HTML page,
an `error` event inside a 200 stream (whose status is then 200, which means nothing to a
user), time-outs and broken connections from the HTTP library underneath. `ModelError` is the
one exception the rest of the app sees; it carries what arrived before the failure.
"""

from __future__ import annotations

import email.utils
import html
import re
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.events import MessageDone

RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504, 529}
MAX_RETRY_AFTER_S = 60.0
DETAIL_CHARS = 200
SCANNED_CHARS = 20_000  # of an error body: enough for any message, bounded for hostile ones
INCOMPLETE = "the connection closed before the reply ended"

# The API's error types, for errors that arrive as a stream event inside a 200 answer.
ERROR_TYPE_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "permission_error": 403,
    "not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429,
    "api_error": 500, "timeout_error": 504, "overloaded_error": 529,
}
_HINTS = {
    400: "bad request", 401: "authentication failed", 403: "permission denied",
    404: "not found", 413: "request too large", 429: "rate limited",
    529: "the API is overloaded",
}


class ModelError(Exception):
    """A request that failed for good; `str()` is one line a user can act on.

    `partial` is the reply as far as it arrived (text, thinking, usage), so nothing received
    is lost: the chat keeps it on the failed message, a run in its record.
    """

    def __init__(
        self, message: str, *, status: int | None = None, partial: MessageDone | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.partial = partial


class Incomplete(Exception):
    """The stream ended without `message_stop`."""


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def is_timeout(exc: BaseException) -> bool:
    """A time-out from the SDK, or from its HTTP library while a stream was being read."""
    return bool(_names(exc) & {"APITimeoutError", "TimeoutException", "TimeoutError"})


def status_of(exc: BaseException) -> int | None:
    """The HTTP status that describes the failure: an error event's type, not its 200."""
    status = getattr(exc, "status_code", None)
    if status == 200 or (status is None and "APIStatusError" in _names(exc)):
        return ERROR_TYPE_STATUS.get(_error_type(exc) or "")
    return status if isinstance(status, int) else None


def retryable(exc: BaseException) -> bool:
    if isinstance(exc, Incomplete) or is_timeout(exc):
        return True
    if _names(exc) & {"APIConnectionError", "TransportError", "RemoteProtocolError"}:
        return True
    return status_of(exc) in RETRY_STATUSES


def retry_after(exc: BaseException) -> float | None:
    """The server's Retry-After (or retry-after-ms), in seconds, capped at a minute."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    seconds: float | None = None
    if (ms := headers.get("retry-after-ms")) is not None:
        seconds = _number(ms, 1000)
    elif (value := headers.get("retry-after")) is not None:
        seconds = _number(value, 1)
        if seconds is None and (when := email.utils.parsedate_to_datetime(value)) is not None:
            seconds = when.timestamp() - time.time()
    return None if seconds is None else max(0.0, min(MAX_RETRY_AFTER_S, seconds))


def _number(text: str, per_second: float) -> float | None:
    try:
        return float(text) / per_second
    except ValueError:
        return None


def retry_reason(exc: BaseException, idle_s: float) -> str:
    status = status_of(exc)
    if isinstance(exc, Incomplete):
        return INCOMPLETE
    if is_timeout(exc):
        return silence(idle_s)
    if status == 529:
        return "the API is overloaded"
    if status == 429:
        return "rate limited"
    if status is None:
        return "connection failed"
    return f"server error ({status})"


def silence(idle_s: float) -> str:
    return f"no data from the server for {idle_s:g} s"


NO_KEY_SENT = "nowhere: no key was sent"
"""The `key_source` of a client that sends a placeholder (a custom endpoint without a key)."""


def as_model_error(
    exc: BaseException, *, where: str, idle_s: float, key_source: str = ""
) -> ModelError:
    """One clear line for any failure of a request or a stream."""
    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, Incomplete):
        return ModelError(INCOMPLETE)
    if is_timeout(exc):
        return ModelError(silence(idle_s))
    names = _names(exc)
    if "APIConnectionError" in names:
        return ModelError(f"cannot reach {where}: {_connection_reason(exc)}")
    if names & {"RemoteProtocolError", "ReadError", "TransportError"}:
        return ModelError(INCOMPLETE)
    status, detail = status_of(exc), api_message(exc)
    if status == 401 and key_source == NO_KEY_SENT:
        return ModelError(
            f"authentication failed (401): {where} wants an API key and none was sent: add "
            f"this provider's key in Settings → Providers ({detail})",
            status=401,
        )
    if status == 401:
        source = f"the key from {key_source}" if key_source else "the key"
        return ModelError(
            f"authentication failed (401): set ANTHROPIC_API_KEY or add a key in Settings "
            f"({where} refused {source}: {detail})",
            status=401,
        )
    if status is not None:
        label = _HINTS.get(status, "server error" if status >= 500 else "request failed")
        return ModelError(f"{label} ({status}): {detail}", status=status)
    if "APIError" in names:
        return ModelError(f"the server reported an error: {detail}")
    return ModelError(f"the stream broke: {one_line(str(exc)) or type(exc).__name__}")


_CONNECTION_REASONS = (
    (("Errno -2", "Errno -3", "Errno -5", "not known", "nodename nor servname"),
     "its host name does not resolve (check the address, or the network)"),
    (("Errno 111", "Connection refused", "Errno 61", "ConnectionRefusedError"),
     "nothing answers at that address (is the server running?)"),
    (("Errno 101", "Network is unreachable"), "the network is unreachable"),
    (("CERTIFICATE_VERIFY_FAILED", "certificate verify failed"),
     "its TLS certificate is not trusted"),
)


def _connection_reason(exc: BaseException) -> str:
    """Why a connection failed, in words rather than an errno."""
    text = " ".join(f"{type(e).__name__} {e}" for e in _chain(exc))
    for marks, reason in _CONNECTION_REASONS:
        if any(mark in text for mark in marks):
            return reason
    return one_line(str(exc.__cause__ or exc)) or "the connection failed"


def _chain(exc: BaseException, depth: int = 8) -> list[BaseException]:
    """The exception and what caused it, a few links deep."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(found) < depth and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _error_type(exc: BaseException) -> str | None:
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("type") if isinstance(error, dict) else None


def api_message(exc: BaseException) -> str:
    """The API's own message if it sent JSON, else the body as one trimmed line."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return one_line(str(error["message"]))
    response = getattr(exc, "response", None)
    text = ""
    try:
        text = response.text if response is not None else ""
    except Exception:  # a streamed body that was not read
        text = ""
    return one_line(text or str(getattr(exc, "message", "") or exc)) or "no details"


_PAGE = re.compile(r"<(!doctype|html|head|body|title|h1|p|div)\b", re.I)
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


def one_line(text: Any) -> str:
    """A server's text as one readable line of bounded length; an HTML page (a proxy's error
    page) is read as its words. Other text keeps its characters: it is shown as plain text."""
    text = str(text)[:SCANNED_CHARS]
    if _PAGE.search(text):
        text = html.unescape(_TAGS.sub(" ", text))
    line = " ".join(text.split())
    return line if len(line) <= DETAIL_CHARS else line[: DETAIL_CHARS - 1].rstrip() + "…"
