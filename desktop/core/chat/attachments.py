"""Files attached to a chat message: text files become text blocks, images base64 image blocks.

Limits are checked before a file is read whole, and each refusal names the file and the limit.
A stored block carries an `attachment` entry (name and size) so the message can show the file
as a chip rather than as text; `unattached` drops it before the block goes to the API, which
rejects fields it does not know. No Qt.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from desktop.core.model.blocks import Block, TextBlock, UnknownBlock, parse_content

TEXT_LIMIT = 512 * 1024
IMAGE_LIMIT = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
MARKER = "attachment"
IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})


class AttachmentError(ValueError):
    """A file that cannot be attached; `str()` says which and why, for the status line."""


@dataclass(frozen=True)
class Attachment:
    """One file ready to send: its name, size, media type and the content block."""

    name: str
    size: int
    media_type: str
    block: dict[str, Any]

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


def size_text(size: int) -> str:
    """1,234 bytes as people say it: 512 KB, 5 MB, 1.2 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def load(path: str | Path, already: int = 0) -> Attachment:
    """The file at `path` as an attachment; `already` is how many the message has.

    Raises AttachmentError with a message naming the file and the limit it breaks.
    """
    path = Path(path)
    name = path.name
    if already >= MAX_ATTACHMENTS:
        raise AttachmentError(f"{name}: a message can carry at most {MAX_ATTACHMENTS} files")
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise AttachmentError(f"{name} is not a file")
        with path.open("rb") as handle:
            head = handle.read(16)
            media_type = _image_type(head)
            image = bool(media_type) or path.suffix.lower() in IMAGE_SUFFIXES
            limit = IMAGE_LIMIT if image else TEXT_LIMIT
            if size > limit:
                kind = "images" if image else "text files"
                raise AttachmentError(
                    f"{name} is {size_text(size)}: {kind} can be at most {size_text(limit)}"
                )
            data = head + handle.read()
    except OSError as exc:
        raise AttachmentError(f"{name} cannot be read: {exc.strerror or exc}") from exc
    if media_type:
        return _image(name, data, media_type)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise AttachmentError(f"{name} is not a PNG, JPEG, GIF or WebP image")
    return _text(name, data)


def pasted(text: str, name: str) -> Attachment:
    """Pasted text as an attached text file called `name`; refused past the text limit."""
    data = text.encode("utf-8", "replace")
    if len(data) > TEXT_LIMIT:
        raise AttachmentError(
            f"{name} is {size_text(len(data))}: text files can be at most {size_text(TEXT_LIMIT)}"
        )
    return _text(name, data)


def _image_type(head: bytes) -> str | None:
    for signature, media_type in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _image(name: str, data: bytes, media_type: str) -> Attachment:
    source = {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode()}
    block = {"type": "image", "source": source, MARKER: {"name": name, "size": len(data)}}
    return Attachment(name, len(data), media_type, block)


def _text(name: str, data: bytes) -> Attachment:
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise AttachmentError(f"{name} is not a text file (only UTF-8 text and images attach)")
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)  # longer than any fence inside, so the file stays one block
    body = f"{name}\n{fence}\n{text.removesuffix(chr(10))}\n{fence}"
    block = {"type": "text", "text": body, MARKER: {"name": name, "size": len(data)}}
    return Attachment(name, len(data), "text/plain", block)


def attached(content: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The attachment blocks of a stored message, in order."""
    return [block for block in content if MARKER in block]


def typed_text(content: Sequence[dict[str, Any]]) -> str:
    """What the user typed: the text blocks that are not attached files."""
    return "\n\n".join(b.text for b in parse_content(content)
                       if isinstance(b, TextBlock) and MARKER not in b.extra)


def unattached(block: Block) -> Block:
    """The block as the Messages API takes it (without the attachment entry)."""
    if isinstance(block, UnknownBlock):
        return UnknownBlock({k: v for k, v in block.raw.items() if k != MARKER})
    if MARKER not in block.extra:
        return block
    return replace(block, extra={k: v for k, v in block.extra.items() if k != MARKER})
