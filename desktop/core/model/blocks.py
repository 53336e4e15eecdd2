"""The content of a message as typed blocks: what the model sends is parsed here, once.

`parse_block` turns one Messages API content block (a dict) into a frozen block; `to_api`
gives the dict back, and `parse_message`/`message_to_api` do the same for a whole message.
Code that reads content works on these blocks; dicts exist only where a request is built.
The round trip is lossless: fields a block type does not name (a text block's `citations`,
`cache_control`, an attachment's entry) ride along in `extra`, and a type we do not know
(server tools, new block kinds) is kept whole as an `UnknownBlock`. Stored messages and
events keep the API's JSON shape, so old rows parse without a migration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without lone surrogates (a JSON `\\ud800` decodes to one): SQLite, the terminal
    and Qt cannot encode them, so each becomes U+FFFD instead of ending the reply."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def clean_value(value: Any) -> Any:
    """`clean_text` applied to every string inside a JSON value (tool input, unknown blocks)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    return value


@dataclass(frozen=True)
class TextBlock:
    text: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ThinkingBlock:
    """Extended thinking: sent back unchanged (the API checks the signature)."""

    thinking: str
    signature: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class RedactedThinkingBlock:
    data: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ToolUseBlock:
    id: str
    name: str
    input: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ToolResultBlock:
    tool_use_id: str
    content: str | list[dict[str, Any]]
    is_error: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ImageBlock:
    source: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class UnknownBlock:
    """A block type this version does not know: kept verbatim, sent back verbatim."""

    raw: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.raw.get("type", ""))


Block = (
    TextBlock | ThinkingBlock | RedactedThinkingBlock | ToolUseBlock | ToolResultBlock
    | ImageBlock | UnknownBlock
)

# type name -> (class, the fields it names, their defaults when missing)
_KNOWN: dict[str, tuple[type, tuple[str, ...], dict[str, Any]]] = {
    "text": (TextBlock, ("text",), {}),
    "thinking": (ThinkingBlock, ("thinking", "signature"), {"signature": ""}),
    "redacted_thinking": (RedactedThinkingBlock, ("data",), {}),
    "tool_use": (ToolUseBlock, ("id", "name", "input"), {"input": {}}),
    "tool_result": (ToolResultBlock, ("tool_use_id", "content", "is_error"),
                    {"content": "", "is_error": False}),
    "image": (ImageBlock, ("source",), {}),
}
_TYPE_OF = {cls: name for name, (cls, _, _) in _KNOWN.items()}


def parse_block(raw: Mapping[str, Any]) -> Block:
    """The typed block for one API content block; never raises, never drops a field."""
    kind = raw.get("type")
    known = _KNOWN.get(kind) if isinstance(kind, str) else None
    if known is None:
        return UnknownBlock(dict(raw))
    cls, names, defaults = known
    values = {name: raw.get(name, defaults.get(name)) for name in names}
    if any(v is None for v in values.values()) or not _well_typed(kind, values):
        return UnknownBlock(dict(raw))  # malformed: keep it whole rather than guess
    extra = {k: v for k, v in raw.items() if k not in names and k != "type"}
    return cls(**values, extra=extra)  # type: ignore[no-any-return]


def _well_typed(kind: str, values: dict[str, Any]) -> bool:
    if kind == "tool_use":
        return isinstance(values["input"], dict) and isinstance(values["id"], str)
    if kind == "image":
        return isinstance(values["source"], dict)
    if kind == "tool_result":
        return isinstance(values["content"], str | list)
    return all(isinstance(v, str) for v in values.values())


def to_api(block: Block) -> dict[str, Any]:
    """The block as the API takes it (and as the store keeps it)."""
    if isinstance(block, UnknownBlock):
        return dict(block.raw)
    data: dict[str, Any] = {"type": _TYPE_OF[type(block)]}
    for name in block.__dataclass_fields__:
        if name != "extra":
            data[name] = getattr(block, name)
    return {**data, **block.extra}


def parse_content(content: str | Iterable[Mapping[str, Any]]) -> tuple[Block, ...]:
    """A message's content (a string or a list of blocks) as typed blocks."""
    if isinstance(content, str):
        return (TextBlock(content),)
    return tuple(parse_block(raw) for raw in content if isinstance(raw, Mapping))


def text_of(blocks: Iterable[Block]) -> str:
    return "".join(b.text for b in blocks if isinstance(b, TextBlock))


def plain_text(content: str | Iterable[Mapping[str, Any]]) -> str:
    """What search and previews read of a stored message: its text blocks, a paragraph each."""
    return "\n\n".join(b.text for b in parse_content(content) if isinstance(b, TextBlock))


def without_empty_text(blocks: Iterable[Block]) -> tuple[Block, ...]:
    """The blocks that may go back to the model: the API refuses an empty text block."""
    return tuple(b for b in blocks if not (isinstance(b, TextBlock) and not b.text))


@dataclass(frozen=True)
class BlockMessage:
    """One message of a conversation as typed blocks.

    `plain` marks content that arrived as a bare string (a run's goal): it goes back as one,
    so the JSON a request sends keeps its shape. Fields besides role and content ride in
    `extra`, like a block's.
    """

    role: str
    blocks: tuple[Block, ...]
    plain: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def joined(self, later: BlockMessage) -> BlockMessage:
        """This message with `later`'s blocks after its own: the API wants roles to alternate."""
        return BlockMessage(self.role, (*self.blocks, *later.blocks), extra=self.extra)


def parse_message(raw: Mapping[str, Any]) -> BlockMessage:
    """The typed message for one Messages API message."""
    content = raw.get("content")
    typed = isinstance(content, str | list)
    # content of no shape we know stays in `extra`, whence it is sent back as it came
    extra = {k: v for k, v in raw.items() if k != "role" and (k != "content" or not typed)}
    blocks = parse_content(content) if typed else ()
    return BlockMessage(str(raw.get("role")), blocks, isinstance(content, str), extra)


def message_to_api(message: BlockMessage) -> dict[str, Any]:
    """The message as a request sends it."""
    only = message.blocks[0] if len(message.blocks) == 1 else None
    if message.plain and isinstance(only, TextBlock) and not only.extra:
        content: str | list[dict[str, Any]] = only.text
    else:
        content = [to_api(b) for b in message.blocks]
    return {"role": message.role, "content": content, **message.extra}
