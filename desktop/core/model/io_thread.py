"""One background thread with its own asyncio loop, for the model client's network I/O.

On the window's qasync loop, reading a streamed reply costs ~300 µs of Python per server-sent
event (qasync re-arms a socket notifier and a timer for every read), nearly half the UI thread
at 2,000 tokens/s. `@relayed` runs an async generator on this thread's plain asyncio loop
instead and hands its items to the caller's loop in batches, at most one wake-up every
`BATCH_S` (the first at once), joining neighbours where it can: a reply streaming at 2,000
tokens/s costs the caller a hundred small steps a second, not thousands.
`@on_io_thread` does the same for a coroutine. Cancelling the caller cancels the work on the
I/O thread; an exception there is raised in the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
BATCH_S = 0.008  # half a frame: the screen cannot show more, and the first item is not held


@functools.cache
def io_loop() -> asyncio.AbstractEventLoop:
    """The I/O thread's loop, started on first use; a daemon thread, so it never blocks exit."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="agentdesk-io", daemon=True).start()
    return loop


def on_io_thread(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Run the decorated coroutine function on the I/O thread; the caller awaits its result."""

    @functools.wraps(method)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        work = asyncio.run_coroutine_threadsafe(method(*args, **kwargs), io_loop())
        return await asyncio.wrap_future(work)

    return run


Join = Callable[[T, T], T | None]


def relayed(
    join: Join[T] | None = None,
) -> Callable[[Callable[P, AsyncIterator[T]]], Callable[P, AsyncIterator[T]]]:
    """Run the decorated async generator function on the I/O thread, yielding to the caller.

    `join(a, b)`, if given, is one item standing for `a` then `b` (or None if they cannot be
    joined); neighbours that arrive in one batch are joined before the caller sees them.
    """

    def decorate(method: Callable[P, AsyncIterator[T]]) -> Callable[P, AsyncIterator[T]]:
        @functools.wraps(method)
        def run(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
            return _relay(method(*args, **kwargs), join)

        return run

    return decorate


@dataclass(frozen=True)
class _Raised:
    error: Exception


_END = object()


class _Mailbox(Generic[T]):
    """Items posted from the I/O thread; the receiving loop is woken once per batch."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._items: list[T | _Raised | object] = []
        self._wake_pending = False
        self._quiet_until = 0.0  # (monotonic) the next wake-up is not sent before this
        self._arrived = asyncio.Event()

    def post(self, item: T | _Raised | object) -> None:
        """From the I/O thread."""
        with self._lock:
            self._items.append(item)
            if self._wake_pending:
                return
            self._wake_pending = True
        delay = self._quiet_until - time.monotonic()
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, self._send_wake)
        else:
            self._send_wake()

    def _send_wake(self) -> None:
        """From the I/O thread."""
        self._quiet_until = time.monotonic() + BATCH_S
        with contextlib.suppress(RuntimeError):  # its loop has closed: nobody is listening
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        with self._lock:
            self._wake_pending = False
        self._arrived.set()

    async def take(self) -> list[T | _Raised | object]:
        """On the receiving loop: everything posted since the last take (maybe nothing)."""
        await self._arrived.wait()
        self._arrived.clear()
        with self._lock:
            items, self._items = self._items, []
        return items


async def _relay(items: AsyncIterator[T], join: Join[T] | None) -> AsyncIterator[T]:
    mailbox: _Mailbox[T] = _Mailbox(asyncio.get_running_loop())
    work = asyncio.run_coroutine_threadsafe(_pump(items, mailbox), io_loop())
    try:
        while True:
            batch = await mailbox.take()
            for item in _joined(batch, join) if join else batch:
                if item is _END:
                    return
                if isinstance(item, _Raised):
                    raise item.error
                yield item  # type: ignore[misc]
    finally:
        work.cancel()


def _joined(batch: list[T | _Raised | object], join: Join[T]) -> list[T | _Raised | object]:
    joined: list[T | _Raised | object] = []
    for item in batch:  # the end or an error comes last, so only `item` can be one
        both = None
        if joined and not isinstance(item, _Raised) and item is not _END:
            both = join(joined[-1], item)  # type: ignore[arg-type]
        if both is None:
            joined.append(item)
        else:
            joined[-1] = both
    return joined


async def _pump(items: AsyncIterator[T], mailbox: _Mailbox[T]) -> None:
    """On the I/O thread: iterate to the end, posting each item, then the end or the error."""
    try:
        async with aclosing(items):  # type: ignore[type-var]
            async for item in items:
                mailbox.post(item)
    except Exception as exc:
        mailbox.post(_Raised(exc))
    else:
        mailbox.post(_END)
