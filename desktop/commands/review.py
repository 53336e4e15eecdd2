"""`agentdesk search QUERY` finds past chats and runs; `agentdesk import FILE` reads an export.

Search covers message text, run goals, tool arguments and output, and memories (FTS5); each
hit names where to look (`chats show ID`, `runs show ID`). Import takes the JSON that
`chats show --format json`, `runs show --format json` or the window's Export wrote.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from desktop.commands.common import fail, open_store

PLACES = {"message": "chat", "run": "run", "run_event": "run", "memory": "memory"}


def register(sub: argparse._SubParsersAction) -> None:
    search = sub.add_parser("search", help="search past chats, runs and memories")
    search.add_argument("query", help="words to find (all of them; the last may be a prefix)")
    search.add_argument("--json", action="store_true", help="one JSON object per hit")
    search.add_argument("--limit", type=int, default=50, help="most hits to show (50)")
    search.set_defaults(handler=search_command)

    read = sub.add_parser("import", help="add a chat or run exported as JSON")
    read.add_argument("file", help="the JSON file ('-' reads standard input)")
    read.set_defaults(handler=import_command)


def search_command(args: argparse.Namespace) -> int:
    from desktop.core.store.database import StoreError

    try:
        with open_store() as store:
            hits = store.search(args.query, limit=max(1, args.limit))
    except StoreError as exc:
        return fail(str(exc))
    for hit in hits:
        if args.json:
            print(json.dumps(dataclasses.asdict(hit), ensure_ascii=False))
            continue
        where = f"{PLACES[hit.kind]} {hit.parent_id}" if hit.parent_id is not None else hit.kind
        if hit.seq is not None:
            where += f" event {hit.seq}"
        title = " ".join(hit.title.split())[:60]
        print(f"{where:<18} {title}\n    {' '.join(hit.snippet.split())}")
    if not hits and not args.json:
        print("no matches", file=sys.stderr)
    return 0


def import_command(args: argparse.Namespace) -> int:
    from desktop.core.review.archive import ArchiveError, import_text
    from desktop.core.store.database import StoreError

    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return fail(f"cannot read {args.file}: {exc}")
    try:
        with open_store() as store:
            imported = import_text(store, text)
    except (ArchiveError, StoreError) as exc:
        return fail(f"cannot import {args.file}: {exc}")
    noun = "chat" if imported.kind == "conversation" else "run"
    print(f"imported {noun} {imported.id}: {' '.join(imported.title.split())[:80]}")
    return 0
