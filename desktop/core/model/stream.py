"""The interface the agent and the chat session depend on, and an in-process model for tests.

`ModelStream` is what a model endpoint must offer: stream one reply as `ModelEvent`s ending
with a complete `MessageDone`, or raise `ModelError`. `ModelClient` (client.py) is the real one.
`ScriptedModel` plays `Turn`s without a socket, through the same stream events and the same
`ReplyBuilder` as a real endpoint, so loop tests run fast and still parse what a server sends;
the loopback server stays for the tests of the HTTP path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Protocol

from desktop.core.demo.fake_turns import Cut, Pause, Stall, Turn, error_body, play
from desktop.core.events import ModelEvent, TextDelta, ThinkingDelta
from desktop.core.model.errors import INCOMPLETE, ModelError, as_model_error, silence
from desktop.core.model.reply import ReplyBuilder


class ModelStream(Protocol):
    def stream(
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
    ) -> AsyncIterator[ModelEvent]: ...


class _ScriptedError(Exception):
    """An HTTP error answer, shaped like the SDK's (status and JSON body)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.status_code = status
        self.body = body


class ScriptedModel:
    """Answers each request with the next scripted `Turn`; `requests` records what was sent."""

    def __init__(self, turns: Iterable[Turn] = (), *, idle_timeout_s: float = 90.0) -> None:
        self.turns = list(turns)
        self.requests: list[dict[str, Any]] = []
        self.idle_timeout_s = idle_timeout_s

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
        from desktop.core.model.client import price

        body = {"model": model, "messages": list(messages), "system": system,
                "tools": list(tools), "max_tokens": max_tokens}
        self.requests.append(body)
        if not self.turns:
            raise ModelError("the script has no turn left")
        turn = self.turns.pop(0)
        if turn.status != 200:
            body = error_body(turn.status, turn.error_type, turn.error_message)
            error = _ScriptedError(turn.status, body)
            raise as_model_error(error, where="the scripted model", idle_s=self.idle_timeout_s)
        reply = ReplyBuilder(model)
        for step in play(turn, body):
            failure = await self._step(step, reply)
            if failure:
                raise ModelError(failure, partial=reply.done(price))
            if isinstance(step, tuple):
                shown = reply.apply(step[1])
                if isinstance(shown, str) and shown:
                    yield TextDelta(shown)
                elif isinstance(shown, ThinkingDelta):
                    yield shown
        if not reply.complete:
            raise ModelError(INCOMPLETE, partial=reply.done(price))
        yield reply.done(price)

    async def _step(self, step: object, reply: ReplyBuilder) -> str:
        """Play a pause; the error a cut, a stall or an error event ends the stream with."""
        if isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Cut):
            return INCOMPLETE
        elif isinstance(step, Stall):
            await asyncio.sleep(self.idle_timeout_s)
            return silence(self.idle_timeout_s)
        elif isinstance(step, tuple) and step[0] == "error":
            return f"the server reported an error: {step[1]['error']['message']}"
        return ""
