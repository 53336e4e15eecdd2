"""sqlite3 failures worded for users: one line that says what is wrong and with which file.

A "database is locked" error is first retried for a while: SQLite's busy timeout does not
cover every case (a read transaction that must become a write one gets SQLITE_BUSY at once),
and twenty processes writing at the same time must all get their turn.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from desktop.core.store.records import StoreError


class _HasPath(Protocol):
    path: str


_PROBLEMS = {
    sqlite3.SQLITE_BUSY: "the database is locked by another program",
    sqlite3.SQLITE_LOCKED: "the database is locked by another program",
    sqlite3.SQLITE_READONLY: "cannot write to the database: the file is read-only",
    sqlite3.SQLITE_FULL: "cannot write to the database: the disk is full",
    sqlite3.SQLITE_IOERR: "cannot read or write the database: disk I/O error",
    sqlite3.SQLITE_CORRUPT: "the database file is damaged",
    sqlite3.SQLITE_NOTADB: "the database file is damaged or is not a database",
    sqlite3.SQLITE_CANTOPEN: "cannot open the database file",
    sqlite3.SQLITE_PERM: "cannot open the database file: permission denied",
}


def _describe(error: sqlite3.Error, where: str) -> str:
    code = getattr(error, "sqlite_errorcode", None)  # extended code; the low byte is primary
    problem = _PROBLEMS.get(code & 0xFF) if code is not None else None
    return f"{problem or f'database error: {error}'} ({where})"


_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def _busy(error: sqlite3.Error) -> bool:
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in _BUSY


_P = ParamSpec("_P")
_R = TypeVar("_R")
_S = TypeVar("_S", bound=_HasPath)


def user_errors(
    method: Callable[Concatenate[_S, _P], _R],
) -> Callable[Concatenate[_S, _P], _R]:
    """Re-raise any sqlite3 error from `method` as a one-line StoreError naming the file.

    A method that found the database locked is called again (every method is one statement
    or one transaction, so a retry repeats nothing half done) until its busy timeout passed.
    """

    @functools.wraps(method)
    def wrapper(self: _S, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        deadline = None
        pause = 0.01
        while True:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as error:
                # __init__ has set no timeout yet when it fails: it waits as long as the store
                wait = getattr(self, "busy_timeout_s", kwargs.get("busy_timeout_ms", 5000) / 1000)
                deadline = deadline or time.monotonic() + wait
                if not _busy(error) or time.monotonic() + pause > deadline:
                    raise StoreError(_describe(error, self.path)) from error
            time.sleep(pause)  # another process holds the write lock: give it its turn
            pause = min(pause * 2, 0.2)

    return wrapper
