"""An MCP tool's result as the model gets it: text, images and structured content.

Text passes as text; images go to the model as image blocks (the kinds the Messages API
takes; others are named in the text); embedded resources give their text; structured content
is added as JSON when the result has no text (the spec asks servers to send both). `isError`
stays an error.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_types import CallToolResult

from desktop.core.tools.base import ToolResult, cap

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def tool_result(result: CallToolResult) -> ToolResult:
    texts: list[str] = []
    blocks: list[dict[str, Any]] = []
    for item in result.content:
        kind = item.type
        if kind == "text":
            texts.append(item.text)
        elif kind == "image" and item.mime_type in IMAGE_TYPES:
            source = {"type": "base64", "media_type": item.mime_type, "data": item.data}
            blocks.append({"type": "image", "source": source})
            texts.append(f"[image {item.mime_type}, sent along]")
        elif kind in ("image", "audio"):
            texts.append(f"[{kind} {item.mime_type}: not a kind the model takes]")
        elif kind == "resource":
            resource = item.resource
            text = getattr(resource, "text", None)
            texts.append(text if text is not None else
                         f"[resource {resource.uri} ({resource.mime_type or 'binary'})]")
        elif kind == "resource_link":
            texts.append(f"[resource {item.uri}: {item.name}]")
    if result.structured_content is not None and not any(i.type == "text" for i in result.content):
        texts.append(json.dumps(result.structured_content, ensure_ascii=False, indent=2))
    text = "\n".join(texts) or "(no content)"
    return ToolResult(cap(text), is_error=bool(result.is_error), content=tuple(blocks))
