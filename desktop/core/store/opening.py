"""Opening the database: owner-only, in WAL mode, and read-only when it cannot be written.

A database on a read-only disk or in a folder the user may not write (a backup, a full
disk) must still show its history. SQLite opens such a file read-only by itself, but WAL
mode wants its -shm file; when that cannot be made, the file is opened again with
`mode=ro`, and last `immutable=1` (which trusts nothing else writes it meanwhile).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from urllib.parse import quote

from desktop.core import paths

_READ_ONLY_MODES = ("mode=ro", "immutable=1")
_UNWRITABLE = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM,
                         sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL})


def connect(path: str, busy_timeout_s: float) -> sqlite3.Connection:
    """A connection to `path` ("" or ":memory:" for memory), WAL where it can be written."""
    if path == ":memory:":
        return sqlite3.connect(path, timeout=busy_timeout_s)
    with contextlib.suppress(OSError):  # a read-only folder: SQLite says what that means
        paths.create_private(Path(path))
    connection = sqlite3.connect(path, timeout=busy_timeout_s)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError as error:
        connection.close()
        if (error.sqlite_errorcode & 0xFF) not in _UNWRITABLE or not Path(path).is_file():
            raise
        return _read_only(path, busy_timeout_s, error)


def _read_only(path: str, busy_timeout_s: float, error: sqlite3.Error) -> sqlite3.Connection:
    for mode in _READ_ONLY_MODES:
        connection = sqlite3.connect(f"file:{quote(path)}?{mode}", uri=True,
                                     timeout=busy_timeout_s)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection
        except sqlite3.Error:
            connection.close()
    raise error
