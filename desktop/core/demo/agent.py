"""The demo model as an agent: the seed scenario, played for real on the sample project.

In a copy of the sample project (core/demo/sample_project.py) it plans, lists the files, reads the
failing test, searches for the function, reads it, fixes it with edit_file (which asks, and
shows the diff), runs the tests with run_command (which asks), sees them pass and summarises.
Each step is decided from the conversation alone, like a real model's: what the tools
answered, and whether the user denied a call. Anywhere else it says plainly that it only
knows the sample. Paced like a real model, so there is time to watch, approve and stop.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from typing import Any

from desktop.core.demo.fake_api import ToolUse, Turn
from desktop.core.demo.sample_project import BUG, FIX
from desktop.core.model.blocks import (
    BlockMessage,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    parse_content,
    parse_message,
)

AGENT_TOKENS_PER_S = 40.0
Steps = list[list[ToolResultBlock]]
PLAN = ("Run down the failing test", "Find the bug", "Fix it", "Run the tests again")
NOT_THE_SAMPLE = (
    "I'm AgentDesk's built-in demo model, and the only project I know is the sample one. "
    "Press *Try the demo task* in the Task tab (or run `agentdesk sample-workspace DIR`) and "
    "give me its goal, \"Fix the failing tests\", to watch a whole run: I'll read the code, "
    "ask you before I edit a file or run the tests, and fix the bug. To work on your own "
    "projects, set `ANTHROPIC_API_KEY` (or add a key in Settings) and start the app without "
    "`--demo`."
)


def agent_turn(messages: list[dict[str, Any]], tools: set[str]) -> Turn:
    """The next step of the scenario, from what the conversation (as a request sends it)
    holds so far."""
    steps = tool_steps([parse_message(m) for m in messages])
    if not steps:
        return _say("I'll start with the project's layout, then its tests.",
                    *_plan(tools, 0), ToolUse("list_files", {}))
    if not (steps[0] and _is_sample(steps[0][-1])):
        return _say(NOT_THE_SAMPLE)
    if steps[-1] and steps[-1][-1].is_error:
        why = content_text(steps[-1][-1].content)
        return _say(f"That step did not work out: {why}\n\nSo the test still fails; I'll stop "
                    "here. Try the run again to see it through, or continue this one with "
                    "what to do instead.")
    return _STEPS[min(len(steps), len(_STEPS)) - 1](steps, tools)


def _read_test(steps: Steps, tools: set[str]) -> Turn:
    return _say("This is the sample calculator. Let me read the test file first.",
                ToolUse("read_file", {"path": "test_calc.py"}))


def _search(steps: Steps, tools: set[str]) -> Turn:
    return _say("`test_add` expects `add(2, 3)` to be 5. Where is `add` defined?",
                *_plan(tools, 1), ToolUse("search", {"query": "def add"}))


def _read_code(steps: Steps, tools: set[str]) -> Turn:
    return _say("In `calc.py`. Reading it.", ToolUse("read_file", {"path": "calc.py"}))


def _fix(steps: Steps, tools: set[str]) -> Turn:
    edit = {"path": "calc.py", "old_text": BUG, "new_text": FIX}
    return _say("Found it: `add` subtracts instead of adding. I'll fix that one line.",
                *_plan(tools, 2), ToolUse("edit_file", edit))


def _test(steps: Steps, tools: set[str]) -> Turn:
    return _say("Now the tests, to be sure.", *_plan(tools, 3),
                ToolUse("run_command", {"command": test_command()}))


def _check(steps: Steps, tools: set[str]) -> Turn:
    output = content_text(steps[-1][-1].content)
    if "exit code 0" not in output:
        return _say("The tests still fail, so I'll stop here and leave it to you:\n\n"
                    f"```text\n{output[-800:]}\n```")
    return _say("All tests pass.", *_plan(tools, 4))


def _summary(steps: Steps, tools: set[str]) -> Turn:
    return _say(
        "Fixed. `add` in `calc.py` returned `a - b`; it now returns `a + b`, and both tests "
        "pass.\n\nThis run was played by the built-in demo model on the sample project. To "
        "work on your own projects, set `ANTHROPIC_API_KEY` (or add a key in Settings) and "
        "start the app without `--demo`."
    )


_STEPS = (_read_test, _search, _read_code, _fix, _test, _check, _summary)


def test_command() -> str:
    """The sample's tests with this Python: pytest where it is installed, else unittest."""
    runner = "pytest -q" if importlib.util.find_spec("pytest") else "unittest -v"
    return f"{shlex.quote(sys.executable)} -m {runner}"


def _say(text: str, *tool_uses: ToolUse) -> Turn:
    return Turn(text=text, tool_uses=tool_uses, tokens_per_s=AGENT_TOKENS_PER_S)


def _plan(tools: set[str], current: int) -> tuple[ToolUse, ...]:
    """An update_plan call with the items before `current` done, if the run offers it."""
    if "update_plan" not in tools:
        return ()
    items = [{"text": text, "status": "done" if n < current else
              "in_progress" if n == current else "pending"} for n, text in enumerate(PLAN)]
    return (ToolUse("update_plan", {"items": items}),)


def _is_sample(listing: ToolResultBlock) -> bool:
    names = content_text(listing.content).split()
    return "calc.py" in names and "test_calc.py" in names


def tool_steps(messages: list[BlockMessage]) -> Steps:
    """Per step that called tools, its results, leaving out those of the update_plan calls
    that go along with the others (so a step of plan alone has none)."""
    plan_ids = {b.id for m in messages if m.role == "assistant" for b in m.blocks
                if isinstance(b, ToolUseBlock) and b.name == "update_plan"}
    steps = []
    for message in messages:
        results = [b for b in message.blocks if isinstance(b, ToolResultBlock)]
        if results:
            steps.append([b for b in results if b.tool_use_id not in plan_ids])
    return steps


def content_text(content: Any) -> str:
    """Text of a message's or tool result's content, whether a string or a list of blocks."""
    if isinstance(content, str):
        return content
    blocks = parse_content(content) if isinstance(content, list) else ()
    return "\n".join(b.text for b in blocks if isinstance(b, TextBlock))
