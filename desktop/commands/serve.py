"""`agentdesk serve-fake`: the loopback Messages API on its own, for trying other clients;
`agentdesk sample-workspace DIR`: the demo's sample project, for its agent run."""

from __future__ import annotations

import argparse
import json
import shlex
import threading
from pathlib import Path

from desktop.commands.common import fail


def register(sub: argparse._SubParsersAction) -> None:
    sample = sub.add_parser(
        "sample-workspace",
        help="write the demo's sample project (one failing test) into a new folder",
    )
    sample.add_argument("folder", type=Path, help="a new or empty folder")
    sample.set_defaults(handler=sample_command)
    serve = sub.add_parser(
        "serve-fake", help="serve the demo model (a Messages API) on 127.0.0.1 until Ctrl+C"
    )
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--script", type=Path, help="a JSON list of turns to play before the demo responder"
    )
    serve.set_defaults(handler=serve_command)


def sample_command(args: argparse.Namespace) -> int:
    from desktop.core.demo.sample_project import GOAL, write_sample

    try:
        root = write_sample(args.folder)
    except OSError as exc:
        return fail(str(exc), 2)
    print(f"The sample project is in {root}. Watch the demo agent fix its failing test:\n"
          f"  agentdesk --demo run {GOAL!r} --workspace {shlex.quote(str(root))}")
    return 0


def serve_command(args: argparse.Namespace) -> int:
    from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
    from desktop.core.demo.script import demo_responder

    turns: list[Turn] = []
    if args.script:
        try:
            raw = json.loads(args.script.read_text(encoding="utf-8"))
            turns = [
                Turn(**{**t, "tool_uses": tuple(ToolUse(**u) for u in t.get("tool_uses", ()))})
                for t in raw
            ]
        except (OSError, ValueError, TypeError) as exc:
            return fail(f"cannot read the script {args.script}: {exc}", 2)
    try:
        server = FakeAPI(turns, responder=demo_responder, port=args.port).start()
    except OSError as exc:
        return fail(f"cannot listen on 127.0.0.1:{args.port}: {exc}")
    print(f"demo Messages API on {server.url} (set ANTHROPIC_BASE_URL to it); Ctrl+C stops")
    try:
        threading.Event().wait()
    finally:
        server.stop()
    return 0
