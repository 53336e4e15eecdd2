"""The I/O thread: a relayed generator runs there, and its items, errors and end come back."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from desktop.core.model.io_thread import on_io_thread, relayed


class Source:
    """Counts on whichever thread iterates it, and remembers how it ended."""

    def __init__(self) -> None:
        self.threads: set[str] = set()
        self.closed = threading.Event()

    @relayed()
    async def count(self, upto: int, fail_at: int | None = None) -> AsyncIterator[int]:
        try:
            for number in range(upto):
                self.threads.add(threading.current_thread().name)
                if number == fail_at:
                    raise ValueError(f"broke at {number}")
                yield number
                await asyncio.sleep(0)
        finally:
            self.closed.set()

    @on_io_thread
    async def where(self) -> str:
        return threading.current_thread().name


def test_items_arrive_in_order_from_the_io_thread() -> None:
    source = Source()

    async def run() -> list[int]:
        return [number async for number in source.count(500)]

    assert asyncio.run(run()) == list(range(500))
    assert source.threads == {"agentdesk-io"}
    assert asyncio.run(source.where()) == "agentdesk-io"


def test_an_error_there_is_raised_here_after_the_items_before_it() -> None:
    seen: list[int] = []

    async def run() -> None:
        async for number in Source().count(10, fail_at=3):
            seen.append(number)

    with pytest.raises(ValueError, match="broke at 3"):
        asyncio.run(run())
    assert seen == [0, 1, 2]


def test_stopping_here_closes_the_generator_there() -> None:
    source = Source()

    async def run() -> None:
        async with aclosing(source.count(1_000_000)) as numbers:
            async for number in numbers:
                if number == 5:
                    break

    asyncio.run(run())
    assert source.closed.wait(timeout=5), "the generator on the I/O thread was never closed"


def test_items_that_arrive_together_are_joined_into_a_few_batches() -> None:
    @relayed(join=lambda first, second: first + second)
    async def words(count: int) -> AsyncIterator[str]:
        for number in range(count):  # a token every half millisecond, as a fast stream
            yield f"{number},"
            await asyncio.sleep(0.0005)

    async def run() -> list[str]:
        return [batch async for batch in words(400)]

    received = asyncio.run(run())
    assert "".join(received) == "".join(f"{number}," for number in range(400))
    assert len(received) < 100  # woken every few milliseconds, not once per item
