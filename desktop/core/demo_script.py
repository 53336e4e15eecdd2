"""What the built-in demo model says: `demo_responder` answers Messages API requests for `FakeAPI`.

Chat requests get a Markdown reply that shows off the transcript's rendering; agent requests
(those carrying `tools`) get a short, deterministic run (plan, list files, read one, summarize)
so a user without a key can see every part of the app move.
"""

from __future__ import annotations

import re
from typing import Any

from desktop.core.fake_api import ToolUse, Turn

DEMO_TOKENS_PER_S = 200.0  # slow enough that streaming is visible
PATH_RE = re.compile(r"\w[\w.\-/]*\.\w+")  # a file path with an extension, e.g. "src/app.py"
FALLBACK_PATH = "README.md"
REAL_MODEL_HINT = (
    "To use a real model, set `ANTHROPIC_API_KEY` (or add a key in Settings) "
    "and start the app without `--demo`."
)


def demo_responder(body: dict[str, Any]) -> Turn:
    """Answer one request: a chat reply, or the next step of the demo agent run."""
    tools = {tool.get("name") for tool in body.get("tools") or ()}
    messages: list[dict[str, Any]] = body.get("messages") or []
    if not tools:
        return _chat_reply(_last_user_text(messages))
    return _agent_step(messages, tools)


# --- chat ---------------------------------------------------------------------------------


def _chat_reply(said: str) -> Turn:
    quoted = "\n".join(f"> {line}" for line in (said or "(nothing)").splitlines())
    text = f"""### Hello from the demo model

This is **AgentDesk's built-in demo model**: it runs on your machine and only echoes. You said:

{quoted}

Replies render as Markdown, for example:

- **bold** and *italic* text
- lists like this one
- `inline code` and fenced code blocks:

```python
def greet(name: str) -> str:
    return f"Hello, {{name}}!"
```

{REAL_MODEL_HINT}
"""
    return Turn(text=text, tokens_per_s=DEMO_TOKENS_PER_S)


# --- agent --------------------------------------------------------------------------------


def _agent_step(messages: list[dict[str, Any]], tools: set[str]) -> Turn:
    """The step is how many tool results the conversation already holds."""
    step = sum(1 for m in messages if any(b.get("type") == "tool_result" for b in _blocks(m)))
    if step == 0 and "list_files" in tools:
        plan = _plan(tools, "in_progress", "pending", "pending")
        return _paced(
            "I'll start by looking at the files in the workspace.", *plan, ToolUse("list_files", {})
        )
    if step == 1 and "read_file" in tools:
        path = _first_path(_tool_result_text(messages, "list_files"))
        plan = _plan(tools, "done", "in_progress", "pending")
        return _paced(f"Let me read `{path}`.", *plan, ToolUse("read_file", {"path": path}))
    finished_plan = _plan(tools, "done", "done", "done")
    if step == 2 and finished_plan:
        return _paced("Everything on the plan is done; marking it so.", *finished_plan)
    return _paced(_summary(messages))


def _paced(text: str, *tool_uses: ToolUse) -> Turn:
    return Turn(text=text, tool_uses=tool_uses, tokens_per_s=DEMO_TOKENS_PER_S)


def _plan(tools: set[str], *statuses: str) -> tuple[ToolUse, ...]:
    """An update_plan call for the three demo steps, if the run offers that tool."""
    if "update_plan" not in tools:
        return ()
    texts = ("List the files in the workspace", "Read the first file", "Summarize what I found")
    items = [{"text": t, "status": s} for t, s in zip(texts, statuses, strict=True)]
    return (ToolUse("update_plan", {"items": items}),)


def _summary(messages: list[dict[str, Any]]) -> str:
    read = _tool_result_text(messages, "read_file")
    if not read:
        return f"This is the built-in demo model, so I can only pretend to work. {REAL_MODEL_HINT}"
    path = _first_path(_tool_result_text(messages, "list_files"))
    lines = len(read.splitlines())
    return (
        f"Done. I listed the workspace and read `{path}` ({lines} lines).\n\n"
        f"This run was played by the built-in demo model. {REAL_MODEL_HINT}"
    )


# --- reading the conversation -------------------------------------------------------------


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or () if isinstance(b, dict)]


def _text(content: Any) -> str:
    """Text of a message's or tool result's content, whether a string or a list of blocks."""
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content or () if isinstance(b, dict))


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _text(message.get("content")).strip()
    return ""


def _tool_result_text(messages: list[dict[str, Any]], tool_name: str) -> str:
    """The latest result of a call to `tool_name`, matched through the tool_use ids."""
    ids = {
        b.get("id")
        for m in messages
        if m.get("role") == "assistant"
        for b in _blocks(m)
        if b.get("type") == "tool_use" and b.get("name") == tool_name
    }
    for message in reversed(messages):
        for block in _blocks(message):
            if block.get("type") == "tool_result" and block.get("tool_use_id") in ids:
                return _text(block.get("content"))
    return ""


def _first_path(listing: str) -> str:
    match = PATH_RE.search(listing)
    return match.group(0) if match else FALLBACK_PATH
