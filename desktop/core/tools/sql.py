"""sql_query: read a SQLite database in the workspace; writes are refused twice over.

The statement must start with a reading keyword, and the database is opened read-only
(`mode=ro`, plus `PRAGMA query_only`), so even a write hidden in a CTE fails.

The model chooses the SQL, so it must not choose how much memory it takes: a string or blob
is capped at MAX_VALUE_BYTES (`randomblob(900000000)` once took 2.9 GB), SQLite's heap at
HEAP_LIMIT_BYTES (a process-wide limit, far above what the app's own store uses), and big
sorts spill to temporary files.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Sequence
from contextlib import closing
from typing import Any
from urllib.parse import quote

from desktop.core.tools.base import Args, Tool, ToolContext, ToolError, ToolResult

MAX_ROWS = 200
MAX_CELL_CHARS = 200
QUERY_TIMEOUT_S = 30.0
MAX_VALUE_BYTES = 16_000_000
HEAP_LIMIT_BYTES = 512_000_000
READING = frozenset({"SELECT", "WITH", "EXPLAIN", "PRAGMA", "VALUES"})
_COMMENTS = re.compile(r"(\s+|--[^\n]*|/\*.*?\*/)+", re.DOTALL)


def _check_reads(sql: str) -> None:
    statement = _COMMENTS.sub(" ", sql).strip()
    keyword = statement.split(None, 1)[0].upper() if statement else ""
    if keyword not in READING:
        raise ToolError(
            f"{keyword or 'empty'} statements are refused; it only reads "
            "(use SELECT, WITH, EXPLAIN, VALUES or a PRAGMA that reads)"
        )
    if keyword == "PRAGMA" and "=" in statement:
        raise ToolError("a PRAGMA that sets a value is refused; it only reads")

def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.execute("PRAGMA query_only = ON")
    conn.execute("PRAGMA temp_store = FILE")
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}")
    deadline = time.monotonic() + QUERY_TIMEOUT_S
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    return conn


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value).replace("\n", "\\n")[:MAX_CELL_CHARS]


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as a pipe table the model (and a person) can read."""
    lines = [" | ".join(columns), " | ".join("-" * max(3, len(c)) for c in columns)]
    lines += [" | ".join(_cell(v) for v in row) for row in rows]
    return "\n".join(lines)


def _sql_query(args: Args, ctx: ToolContext) -> ToolResult:
    _check_reads(args["sql"])
    path = ctx.workspace.resolve(args["database"])
    if not path.is_file():
        raise ToolError(f"{args['database']!r} is not a database file in the workspace")
    try:
        with closing(_connect(str(path))) as conn:
            cursor = conn.execute(args["sql"])
            rows = cursor.fetchmany(MAX_ROWS + 1)
            columns = [d[0] for d in cursor.description or ()]
    except (sqlite3.Error, sqlite3.Warning) as exc:
        raise ToolError(f"SQLite refused the query: {exc}") from exc
    if not columns:
        return ToolResult("(the statement returned no rows)")
    if len(rows) > MAX_ROWS:
        note = f"(first {MAX_ROWS} rows shown; filter or use LIMIT/OFFSET to see others)"
    else:
        note = f"({len(rows)} row{'' if len(rows) == 1 else 's'})"
    return ToolResult(f"{table(columns, rows[:MAX_ROWS])}\n{note}")

TOOLS = (
    Tool(
        "sql_query",
        "Run one read-only SQL statement (SELECT, WITH, EXPLAIN, VALUES, PRAGMA) on a SQLite "
        f"database file in the workspace; returns up to {MAX_ROWS} rows as a table. Writes "
        "are refused.",
        {
            "database": {"type": "string", "description": "The database file's path."},
            "sql": {"type": "string"},
        },
        ("database", "sql"),
        run=_sql_query,
    ),
)
