"""`agentdesk`: the window by default, or the same core driven from a terminal.

Subcommands live in `desktop.commands.*`; each module's `register()` adds its parsers and a
`handler(args) -> exit code`. Nothing heavy is imported here, so the window starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from desktop.commands import chats, db, mcp_servers, review, runs, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentdesk",
        description="Chat with a model, or give an agent a goal. "
        "Without a command, opens the window.",
    )
    parser.add_argument(
        "--demo", action="store_true", help="use the built-in demo model (no API key needed)"
    )
    parser.add_argument(
        "--verbose", action="store_true",
        help="log debug detail (to agentdesk.log in the data folder, and to stderr)",
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    parser.add_argument(
        "--provider", metavar="NAME",
        help="the provider profile to use (see Settings; default: the one chosen there)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (chats, runs, review, serve, db, mcp_servers):
        module.register(sub)
    return parser


class _Version(argparse.Action):
    """--version, looked up only when asked (the window starts through this parser)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("agentdesk")
        except PackageNotFoundError:
            found = "(not installed)"
        print(f"agentdesk {found}")
        parser.exit()


def display_problem() -> str | None:
    """Why the window cannot open here, said before Qt aborts with a plugin error instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
        "start it from a desktop session, or use the terminal commands, "
        "e.g. `agentdesk --demo chat \"hello\"` (see `agentdesk --help`)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        if problem := display_problem():
            print(f"error: {problem}", file=sys.stderr)
            return 1
        from desktop.ui.app import run_app

        return run_app(demo=args.demo, verbose=args.verbose)
    from desktop.commands.terminal_text import escaped_output
    from desktop.core.logs import setup_logging

    setup_logging(args.verbose)
    try:
        with escaped_output():
            return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader left (`| head`): stop quietly, as `cat` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
