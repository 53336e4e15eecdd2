"""`agentdesk mcp`: the MCP servers in config.json, from the terminal.

`list` starts each enabled server once to show whether it works and what tools it offers
(`--no-start` only reads the configuration); `import FILE` adds the servers of another MCP
client's file (Claude Desktop, Cline, Cursor, LM Studio, goose); `enable` and `disable` flip
one server. The SDK is imported only by `list`, when it starts servers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.commands.common import fail
from desktop.core.wording import counted

if TYPE_CHECKING:
    from desktop.core.mcp.config import ServerConfig
    from desktop.core.mcp.status import ServerStatus


def register(sub: argparse._SubParsersAction) -> None:
    mcp = sub.add_parser("mcp", help="list, import, enable or disable MCP servers")
    actions = mcp.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="show the servers, whether they start, and "
                                 "their tools")
    listing.add_argument("--no-start", action="store_true",
                         help="only read the configuration; start nothing")
    listing.add_argument("--json", action="store_true", help="one JSON object per server")
    listing.set_defaults(handler=list_servers)
    imported = actions.add_parser(
        "import", help="add the servers of claude_desktop_config.json, cline_mcp_settings.json, "
        "mcp.json (Cursor, LM Studio) or goose's config.yaml")
    imported.add_argument("file", type=Path)
    imported.set_defaults(handler=import_servers)
    for action, verb in (("enable", "use"), ("disable", "stop using")):
        flip = actions.add_parser(action, help=f"{verb} a server in new runs")
        flip.add_argument("name")
        flip.set_defaults(handler=flip_server, disabled=action == "disable")


def list_servers(args: argparse.Namespace) -> int:
    from desktop.core.mcp import config
    from desktop.core.mcp.status import ServerStatus

    found = config.load()
    for problem in found.problems:
        print(f"notice: config.json: {problem}", file=sys.stderr)
    if not found.servers:
        print("No MCP servers configured (see `agentdesk mcp import --help`).")
        return 0
    statuses = {s.name: ServerStatus(s.name) for s in found.servers}
    if not args.no_start:
        import asyncio

        from desktop.core.mcp.probe import probe_all

        statuses |= {s.name: s for s in asyncio.run(probe_all(found.enabled()))}
    for server in found.servers:
        status = statuses[server.name]
        if args.json:
            print(json.dumps(_record(server, status), ensure_ascii=False))
        else:
            print(_lines(server, status))
    return 1 if any(s.state == "failed" for s in statuses.values()) else 0


def _state(server: ServerConfig, status: ServerStatus) -> str:
    if server.disabled:
        return "disabled"
    return "not started" if status.state == "stopped" else status.state


def _lines(server: ServerConfig, status: ServerStatus) -> str:
    lines = [f"{server.name}  [{_state(server, status)}]  {server.transport}: "
             f"{server.describe()}"]
    if status.error:
        lines.append(f"  error: {status.error}")
        lines += [f"  | {line}" for line in status.stderr.splitlines()[-5:]]
    if status.state == "ready":
        lines.append(f"  {counted(len(status.tools), 'tool')}:")
        for tool in status.tools:
            asks = "" if tool.name in server.auto_approve else " (asks)"
            summary = tool.description.splitlines()[0] if tool.description else ""
            lines.append(f"    {tool.model_name}{asks}  {summary}")
        if status.resources:
            lines.append(f"  resources: {', '.join(status.resources)}")
        if status.prompts:
            lines.append(f"  prompts: {', '.join(status.prompts)}")
    return "\n".join(lines)


def _record(server: ServerConfig, status: ServerStatus) -> dict[str, Any]:
    return {
        "name": server.name, "state": _state(server, status), "transport": server.transport,
        "target": server.describe(), "error": status.error, "stderr": status.stderr,
        "tools": [t.model_name for t in status.tools], "resources": list(status.resources),
        "prompts": list(status.prompts), "auto_approve": list(server.auto_approve),
    }


def import_servers(args: argparse.Namespace) -> int:
    from desktop.core.mcp import config
    from desktop.core.mcp.importers import ImportFailed, read_file

    try:
        found = read_file(args.file)
    except ImportFailed as exc:
        return fail(str(exc))
    try:
        added = config.add(found.servers)
    except OSError as exc:
        return fail(f"cannot write the settings: {exc}")
    for name in added:
        print(f"added {name}")
    for server in found.servers:
        if server.name not in added:
            print(f"kept {server.name}: a server of that name is configured already")
    for why in found.skipped:
        print(f"skipped {why}")
    print(f"{counted(len(added), 'server')} added from {found.source}")
    return 0


def flip_server(args: argparse.Namespace) -> int:
    from desktop.core.mcp import config

    try:
        config.set_disabled(args.name, args.disabled)
    except KeyError:
        return fail(f"no MCP server named {args.name!r} in the settings")
    except OSError as exc:
        return fail(f"cannot write the settings: {exc}")
    print(f"{args.name} {'disabled' if args.disabled else 'enabled'}")
    return 0
