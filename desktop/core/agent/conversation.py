"""The conversation a run has with its model, derived from the run's events.

The store keeps a run as events, not as the messages the model was sent. `Conversation`
folds events into those messages, and it is the only thing that does: the live loop applies
each event as it happens, a fork folds the stored events up to its point, a resumed run folds
them all. So what the model is sent can never differ between them.

Per step: the model's reply as it arrived (thinking, text, tool calls, blocks we do not know,
all sent back unchanged), then one user message with each call's tool_result. A step counts
once its reply was complete and every call it made has finished: the Messages API needs an
answer to each tool_use, so a step cut off in the middle is left out rather than half sent.
Runs recorded before replies kept their blocks are rebuilt from their text and tool calls.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from desktop.core.events import (
    AgentMessage,
    AppMessage,
    ContextCompacted,
    RunForked,
    RunResumed,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
)
from desktop.core.model.blocks import (
    Block,
    BlockMessage,
    ImageBlock,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
    message_to_api,
    parse_message,
    without_empty_text,
)

Message = dict[str, Any]
CLEARED = (
    "[The output of this {name} call was cleared to keep the conversation within the model's "
    "context window. recall with call_id \"{call_id}\" shows it again.]"
)
SUMMARY_INTRO = "\n\nWhat happened before, summarised to keep the conversation short:\n\n"


def tool_result(finished: ToolCallFinished) -> ToolResultBlock:
    """The tool_result block the model is sent for a finished call."""
    content: str | list[dict[str, Any]] = finished.result or "(empty)"
    if finished.content:
        content = [{"type": "text", "text": content}, *finished.content]
    return ToolResultBlock(finished.call_id, content, finished.is_error)


class _Step:
    """One step being rebuilt: the model's reply and the results of its calls so far."""

    def __init__(self) -> None:
        self.replied = False
        self.complete = True
        self.reply: list[Block] = []
        self.results: list[ToolResultBlock] = []

    def calls(self) -> list[ToolUseBlock]:
        return [block for block in self.reply if isinstance(block, ToolUseBlock)]

    def on_reply(self, event: AgentMessage) -> None:
        self.replied, self.complete = True, event.complete
        if event.content:
            self.reply = list(without_empty_text(event.content))
        elif event.text:  # recorded before replies kept their blocks
            self.reply = [TextBlock(event.text)]

    def on_call(self, event: ToolCallStarted) -> None:
        if event.call_id not in {call.id for call in self.calls()}:
            # old records: the calls are only in these events
            self.reply.append(ToolUseBlock(event.call_id, event.name, event.input))

    def messages(self) -> list[BlockMessage]:
        """The messages this step added, or none if it was cut off mid-way."""
        calls = len(self.calls())
        if not (self.replied and self.complete and self.reply) or len(self.results) != calls:
            return []
        reply = BlockMessage("assistant", tuple(self.reply))
        return [reply, BlockMessage("user", tuple(self.results))] if calls else [reply]


class Conversation:
    """Messages for the model, built by applying a run's events in order."""

    def __init__(self) -> None:
        self._done: list[BlockMessage] = []
        self._step: _Step | None = None
        self._starts: dict[int, int] = {}  # step -> index in _done of its first message
        self._call_steps: dict[str, tuple[int, str]] = {}  # call id -> (step, tool name)
        self._cleared: set[str] = set()  # calls whose output is a stub now
        self._number = 0

    def apply(self, event: object) -> None:
        """Take one event into account; events that do not change the conversation pass."""
        match event:
            case RunStarted(goal=goal):
                self._done, self._step = [BlockMessage("user", (TextBlock(goal),), True)], None
            case RunForked(messages=start):
                self._done, self._step = [parse_message(m) for m in start], None
            case StepStarted(step=number):
                self._close_step()
                self._step, self._number = _Step(), number
                self._starts[number] = len(self._done)
            case AgentMessage() if self._step is not None:
                self._step.on_reply(event)
            case ToolCallStarted() if self._step is not None:
                self._step.on_call(event)
            case ToolCallFinished() if self._step is not None:
                self._step.results.append(tool_result(event))
                self._call_steps[event.call_id] = (self._number, event.name)
            case ContextCompacted():
                self._compact(event)
            case AppMessage(text=text) | RunResumed(message=text):
                self._close_step()
                if text:
                    self._add(BlockMessage("user", (TextBlock(text),)))

    def clearable(self, keep_steps: int) -> tuple[str, ...]:
        """Calls whose output the model was sent in full before the last `keep_steps` steps:
        what compaction clears first."""
        last_kept = self._number - keep_steps + 1
        return tuple(
            block.tool_use_id for message in self._done if message.role == "user"
            for block in message.blocks
            if isinstance(block, ToolResultBlock) and block.tool_use_id not in self._cleared
            and self._call_steps.get(block.tool_use_id, (last_kept, ""))[0] < last_kept
            and len(str(block.content)) > len(CLEARED)
        )

    def before_step(self, step: int) -> list[Message]:
        """The conversation as the model saw it when `step` began."""
        return [message_to_api(m) for m in self._done[: self._starts.get(step, len(self._done))]]

    def _compact(self, event: ContextCompacted) -> None:
        cleared = set(event.cleared)
        self._cleared |= cleared
        for index, message in enumerate(self._done):
            if message.role == "user":
                blocks = tuple(self._stub(b) if isinstance(b, ToolResultBlock)
                               and b.tool_use_id in cleared else b for b in message.blocks)
                self._done[index] = dataclasses.replace(message, blocks=blocks)
        if event.summary and event.summary_step in self._starts:
            self._summarise(event.summary, event.summary_step)

    def _stub(self, block: ToolResultBlock) -> ToolResultBlock:
        call_id = block.tool_use_id
        name = self._call_steps.get(call_id, (0, "the tool"))[1]
        return dataclasses.replace(block, content=CLEARED.format(name=name, call_id=call_id))

    def _summarise(self, summary: str, step: int) -> None:
        """Replace what came before `step` with the goal and a summary of it."""
        cut = self._starts[step]
        goal = self._done[0].blocks if self._done else ()
        kept = self._done[cut:]
        self._done = [BlockMessage("user", (*goal, TextBlock(SUMMARY_INTRO + summary)))]
        for message in kept:
            self._add(message)
        shift = cut - 1
        self._starts = {n: max(1, i - shift) for n, i in self._starts.items() if i >= cut}

    def unfinished_calls(self) -> list[tuple[str, str]]:
        """(id, name) of the calls the last reply made that never finished: a run that stopped
        mid-step answers them before it goes on, as the API wants an answer to each."""
        step = self._step
        if step is None or not (step.replied and step.complete):
            return []
        done = {result.tool_use_id for result in step.results}
        return [(call.id, call.name) for call in step.calls() if call.id not in done]

    def _close_step(self) -> None:
        if self._step is not None:
            for message in self._step.messages():
                self._add(message)
        self._step = None

    def _add(self, message: BlockMessage) -> None:
        """Append, joining a message to the one before when both are one role's (a paused
        turn's continuation, or the app's words after tool results)."""
        _append(self._done, message)

    def messages(self) -> list[Message]:
        """What the next request sends: the one place the conversation becomes API dicts."""
        done = list(self._done)
        for message in self._step.messages() if self._step is not None else []:
            _append(done, message)
        return [message_to_api(m) for m in done]


def _append(messages: list[BlockMessage], message: BlockMessage) -> None:
    if messages and messages[-1].role == message.role:
        messages[-1] = messages[-1].joined(message)
    else:
        messages.append(message)


def conversation_at(events: Iterable[object]) -> list[Message]:
    """The conversation after `events`: what the agent's next request would send."""
    conversation = Conversation()
    for event in events:
        conversation.apply(event)
    return conversation.messages()


def readable(messages: Iterable[Message]) -> str:
    """The messages as a person reads them: who speaks, then each block in a line or a few."""
    lines: list[str] = []
    for message in map(parse_message, messages):
        lines.append(f"── {message.role} ──")
        lines += [_block_text(block) for block in message.blocks]
        lines.append("")
    return "\n".join(lines)


def _block_text(block: Block) -> str:
    match block:
        case TextBlock(text=text):
            return text
        case ThinkingBlock(thinking=thinking):
            return f"[thinking] {thinking}"
        case ToolUseBlock(id=call_id, name=name, input=args):
            return f"[{name} call {call_id}] {json.dumps(args)}"
        case ToolResultBlock(tool_use_id=call_id, content=content, is_error=is_error):
            return f"[result of {call_id}{' (error)' if is_error else ''}] {content}"
        case RedactedThinkingBlock():
            return "[redacted_thinking]"
        case ImageBlock():
            return "[image]"
    return f"[{block.type}]"  # a block this version does not know
