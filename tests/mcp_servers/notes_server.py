"""A notes MCP server for the tests, written with the SDK's FastMCP (`MCPServer` in mcp 2).

Run as a script: over stdio by default, or `--http PORT` over streamable HTTP on 127.0.0.1.
`--hang` never answers (a server stuck at start), `--fail` exits at once saying why on stderr,
`--pid-file FILE` appends the server's pid (and `--child` starts a sleeping child process,
whose pid is appended too), so the tests can check by pid that nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import time


def _options() -> argparse.Namespace:
    """Read before the SDK is imported, so a hang or a failure is said at once."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=0)
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--pid-file", default="")
    parser.add_argument("--child", action="store_true")
    options = parser.parse_args()
    pids = [os.getpid()]
    if options.child:
        pids.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]).pid)
    if options.pid_file:
        with open(options.pid_file, "a", encoding="utf-8") as out:
            out.write("".join(f"{pid}\n" for pid in pids))
    print(f"notes server {os.getpid()} starting", file=sys.stderr, flush=True)
    if options.fail:
        print("notes server: no notebook configured", file=sys.stderr, flush=True)
        sys.exit(3)
    if options.hang:
        print("notes server: waiting for a lock that never frees", file=sys.stderr, flush=True)
        time.sleep(600)
    return options


OPTIONS = _options() if __name__ == "__main__" else None

from mcp.server.mcpserver import Context, Image, MCPServer  # noqa: E402
from pydantic import BaseModel  # noqa: E402

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)

server = MCPServer("notes")
NOTES: dict[str, str] = {}


class Note(BaseModel):
    title: str
    body: str


@server.tool()
def add_note(title: str, body: str) -> str:
    """Keep a note under a title."""
    NOTES[title] = body
    return f"saved note {title!r} ({len(NOTES)} in all)"


@server.tool()
def read_note(title: str) -> Note:
    """A note by its title (structured)."""
    return Note(title=title, body=NOTES.get(title, ""))


@server.tool()
def sketch() -> Image:
    """A one-pixel picture."""
    return Image(data=PNG, format="png")


@server.tool()
def team(ctx: Context) -> str:
    """The X-Team header of the HTTP request that called this tool (none over stdio)."""
    request = ctx.request_context.request
    return getattr(request, "headers", {}).get("x-team", "no team header")


@server.tool()
async def wait(seconds: float) -> str:
    """Take this long to answer."""
    await asyncio.sleep(seconds)
    return f"waited {seconds} s"


@server.tool()
def crash() -> str:
    """Exit the server at once, mid-call."""
    print("notes server: crashing on purpose", file=sys.stderr, flush=True)
    os._exit(7)


@server.resource("notes://all")
def all_notes() -> str:
    """Every note's title."""
    return "\n".join(NOTES)


@server.prompt()
def summarise(style: str) -> str:
    """Ask for a summary of the notes."""
    return f"Summarise the notes in a {style} style."


if __name__ == "__main__":
    assert OPTIONS is not None
    if OPTIONS.http:
        server.run("streamable-http", host="127.0.0.1", port=OPTIONS.http)
    else:
        server.run()
