"""`agentdesk db stats|vacuum`: where the database's space goes, and giving it back."""

from __future__ import annotations

import argparse
import dataclasses
import json

from desktop.commands.common import fail


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="look after the database (stats, vacuum)")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    stats = actions.add_parser("stats", help="size, free space and rows per table")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=stats_command)
    vacuum = actions.add_parser(
        "vacuum",
        help="compact the search indexes and return free space to the disk (close the window"
        " first; the first one rewrites the file)",
    )
    vacuum.set_defaults(handler=vacuum_command)


def size(count: int) -> str:
    """1.23 GB, 456 MB, 12 KB, 0 B."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} B"


def stats_command(args: argparse.Namespace) -> int:
    from desktop.core import paths
    from desktop.core.store.database import StoreError
    from desktop.core.store.maintenance import DatabaseFile

    try:
        found = DatabaseFile(paths.database_path()).stats()
    except StoreError as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps(dataclasses.asdict(found)))
        return 0
    print(f"{found.path}: {size(found.file_bytes)} (write-ahead log {size(found.wal_bytes)})")
    print(f"free: {size(found.free_bytes)}; auto-vacuum: {found.auto_vacuum}")
    for table in found.tables:
        print(f"  {table.name:<14} {table.rows:>12,} rows  {size(table.bytes):>9}")
    if found.auto_vacuum != "incremental" or found.free_bytes:
        print("`agentdesk db vacuum` returns free space to the disk")
    return 0


def vacuum_command(args: argparse.Namespace) -> int:
    from desktop.core import paths
    from desktop.core.store.database import StoreError
    from desktop.core.store.maintenance import DatabaseFile

    try:
        done = DatabaseFile(paths.database_path()).vacuum()
    except StoreError as exc:
        return fail(str(exc))
    how = "rewritten, incremental auto-vacuum on" if done.rebuilt else "free pages released"
    print(f"{size(done.before_bytes)} → {size(done.after_bytes)} ({how})")
    return 0
