"""What the built-in demo model says: `demo_responder` answers Messages API requests for `FakeAPI`.

Chat requests get a Markdown reply that shows off the transcript's rendering; agent requests
(those carrying `tools`) get the next step of the demo run (core/demo/agent.py), which on the
sample project plays a whole run for real, so a user without a key sees every part move.
"""

from __future__ import annotations

from typing import Any

from desktop.core.demo.agent import agent_turn, content_text
from desktop.core.demo.fake_api import Turn

DEMO_TOKENS_PER_S = 200.0  # slow enough that streaming is visible
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
    return agent_turn(messages, tools)


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


# --- reading the conversation -------------------------------------------------------------


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return content_text(message.get("content")).strip()
    return ""
