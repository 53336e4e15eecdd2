"""Prompt caching: where a request marks the prefix the API may reuse.

The request's prefix is tools, then the system prompt, then the messages. The agent keeps the
tools and the system prompt the same for a whole run, so a breakpoint at the end of the system
prompt caches them once; rolling breakpoints on the last two user messages cache the
conversation so far (one agent step adds an assistant message and a user message of tool
results, so a single rolling breakpoint would fall out of the API's look-back window). Three
of the API's four allowed breakpoints, never more. Pure functions: the request is copied.
"""

from __future__ import annotations

from typing import Any

EPHEMERAL = {"type": "ephemeral"}
HOUR = {"type": "ephemeral", "ttl": "1h"}
"""For the stable prefix of a run that may wait on approvals longer than the default five
minutes; it must come before the five-minute breakpoints, which the prefix always does."""
ROLLING = 2  # user messages that carry a breakpoint


def with_breakpoints(params: dict[str, Any], *, long_prefix: bool = False) -> dict[str, Any]:
    """`params` (a Messages API request) with cache_control breakpoints placed; the stable
    prefix's kept for an hour with `long_prefix`."""
    marked = dict(params)
    prefix = HOUR if long_prefix else EPHEMERAL
    system = params.get("system")
    if isinstance(system, str) and system:
        marked["system"] = [{"type": "text", "text": system, "cache_control": prefix}]
    elif params.get("tools"):
        *rest, last = params["tools"]
        marked["tools"] = [*rest, {**last, "cache_control": prefix}]
    messages = list(params.get("messages") or [])
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"][-ROLLING:]
    for index in users:
        messages[index] = _marked_message(messages[index])
    marked["messages"] = messages
    return marked


def _marked_message(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    if not blocks:
        return message
    return {**message, "content": [*blocks[:-1], {**blocks[-1], "cache_control": EPHEMERAL}]}


def breakpoints(params: dict[str, Any]) -> int:
    """How many cache_control markers a request carries."""
    count = sum("cache_control" in t for t in params.get("tools") or [])
    system = params.get("system")
    if isinstance(system, list):
        count += sum("cache_control" in b for b in system)
    for message in params.get("messages") or []:
        if isinstance(message.get("content"), list):
            count += sum("cache_control" in b for b in message["content"])
    return count
