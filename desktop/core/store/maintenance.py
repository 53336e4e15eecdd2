"""What a years-old database needs: a look at where its space goes, and a vacuum.

`DatabaseFile.stats()` counts rows and measures each table with its indexes and its FTS
index (SQLite's `dbstat`); `vacuum()` merges each FTS index into one segment, releases free
pages and checkpoints the WAL. The first vacuum also turns on incremental auto-vacuum, which
needs one full `VACUUM` (a copy of the file) on a database created without it; later ones only
release the pages deletions freed, which is quick. Opening through `Store` first brings the
schema up to date.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.core.store.database import Store
from desktop.core.store.errors import user_errors

TABLES = ("conversations", "messages", "runs", "run_events", "memories")
FTS_TABLES = ("messages_fts", "runs_fts", "run_events_fts", "memories_fts")
AUTO_VACUUM = {0: "off", 1: "full", 2: "incremental"}


@dataclass(frozen=True)
class TableSpace:
    """A table's rows and the bytes of its B-tree, its indexes and its FTS index."""

    name: str
    rows: int
    bytes: int


@dataclass(frozen=True)
class DatabaseStats:
    path: str
    file_bytes: int
    wal_bytes: int
    free_bytes: int
    """Pages deletions freed: reused by new rows, returned to the disk by a vacuum."""
    auto_vacuum: str
    tables: tuple[TableSpace, ...]


@dataclass(frozen=True)
class VacuumResult:
    before_bytes: int
    after_bytes: int
    rebuilt: bool
    """Whether the file was rewritten (the first vacuum, which turns auto-vacuum on)."""


def _owner(name: str, table_of: dict[str, str]) -> str:
    """The table a B-tree belongs to: itself, an index's table, or an FTS index's table."""
    table = table_of.get(name, name)
    base = table.split("_fts", 1)[0] if "_fts" in table else table
    return base if base in TABLES else "other"


class DatabaseFile:
    """The database at `path`, opened for maintenance only (its own connection)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    def _connect(self) -> sqlite3.Connection:
        Store(self.path).close()  # migrated, in WAL mode
        return sqlite3.connect(self.path, isolation_level=None, timeout=5)

    @user_errors
    def stats(self) -> DatabaseStats:
        db = self._connect()
        try:
            table_of = dict(db.execute("SELECT name, tbl_name FROM sqlite_master"))
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            space: dict[str, int] = {}
            # Pages, not pgsize: dbstat's byte sum wraps at 2 GB.
            for name, pages in db.execute("SELECT name, pageno FROM dbstat WHERE aggregate = 1"):
                owner = _owner(name, table_of)
                space[owner] = space.get(owner, 0) + pages * page_size
            free = db.execute("PRAGMA freelist_count").fetchone()[0] * page_size
            mode = AUTO_VACUUM[db.execute("PRAGMA auto_vacuum").fetchone()[0]]
            counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            tables = tuple(TableSpace(t, counts[t], space.get(t, 0)) for t in TABLES)
        finally:
            db.close()
        wal = Path(f"{self.path}-wal")
        return DatabaseStats(self.path, os.path.getsize(self.path),
                             wal.stat().st_size if wal.exists() else 0, free, mode, tables)

    @user_errors
    def vacuum(self) -> VacuumResult:
        before = os.path.getsize(self.path)
        db = self._connect()
        try:
            for fts in FTS_TABLES:
                db.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
            rebuilt = db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2
            if rebuilt:
                db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                db.execute("VACUUM")
            else:
                db.executescript("PRAGMA incremental_vacuum")  # runs it to the end
            db.execute("PRAGMA optimize")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()
        return VacuumResult(before, os.path.getsize(self.path), rebuilt)
