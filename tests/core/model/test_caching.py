"""Prompt caching through the real SDK and the loopback API, which keeps a prompt cache the way
the API does: breakpoints on a stable prefix, so a long run reads most of its input from it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from desktop.core.agent.loop import Agent
from desktop.core.agent.permissions import Policy
from desktop.core.agent.workspace import Workspace
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import UsageUpdated
from desktop.core.model.caching import breakpoints
from desktop.core.model.client import ModelClient


def run(client: ModelClient, root: Path) -> list[Any]:
    async def go() -> list[Any]:
        return [e async for e in Agent(client, Workspace(root)).run("read it all")]

    return asyncio.run(go())


def reading_run(api: FakeAPI, root: Path, steps: int) -> None:
    (root / "notes.txt").write_text("a line of notes\n" * 200)
    read = ToolUse("read_file", {"path": "notes.txt"})
    api.add(*[Turn(f"Step {n}.", (read,)) for n in range(steps)], Turn("Done."))


def test_a_run_marks_a_stable_prefix_and_reads_it_back(fake_api: FakeAPI, tmp_path: Path) -> None:
    reading_run(fake_api, tmp_path, 4)
    client = ModelClient(api_key="k", base_url=fake_api.url, prompt_caching=True)
    events = run(client, tmp_path)
    bodies = [r["body"] for r in fake_api.requests]
    assert all(1 <= breakpoints(body) <= 4 for body in bodies)
    prefixes = {json.dumps([body["tools"], body["system"]]) for body in bodies}
    assert len(prefixes) == 1  # tools and system prompt byte-identical at every step
    usage = [e.usage for e in events if isinstance(e, UsageUpdated)]
    assert usage[0].cache_read_tokens == 0 and usage[0].cache_write_tokens > 0
    assert usage[-1].cache_read_tokens > usage[-1].input_tokens / 2


def test_other_endpoints_get_no_markers_unless_their_profile_asks(
    fake_api: FakeAPI, tmp_path: Path
) -> None:
    reading_run(fake_api, tmp_path, 1)
    run(ModelClient(api_key="k", base_url=fake_api.url), tmp_path)
    assert all(breakpoints(r["body"]) == 0 for r in fake_api.requests)


def test_a_run_that_may_wait_on_approvals_keeps_its_prefix_cached_for_an_hour(
    fake_api: FakeAPI, tmp_path: Path
) -> None:
    reading_run(fake_api, tmp_path, 1)
    reading_run(fake_api, tmp_path, 1)
    client = ModelClient(api_key="k", base_url=fake_api.url, prompt_caching=True)

    async def go(policy: Policy) -> None:
        async for _ in Agent(client, Workspace(tmp_path), policy=policy).run("read"):
            pass

    asyncio.run(go(Policy()))  # edits and commands ask
    asked = len(fake_api.requests)
    asyncio.run(go(Policy.from_approve("all")))  # nothing ever waits
    markers = [r["body"]["system"][0]["cache_control"] for r in fake_api.requests]
    assert markers[:asked] == [{"type": "ephemeral", "ttl": "1h"}] * asked
    assert markers[asked:] == [{"type": "ephemeral"}] * (len(markers) - asked)
