"""Capturing, around each tool call, the contents of the files it changes.

Before write_file or edit_file applies, the file's content is stored; before run_command,
the workspace is scanned (scan.py), which stores whatever changed since the last scan. After
the call the same is done again, and what differs becomes a `WorkspaceChanged` event. A
capture that fails (a full disk) is logged and skipped: it must never fail the run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.core.agent.workspace import Workspace, WorkspaceError
from desktop.core.checkpoints import ledger
from desktop.core.checkpoints.changes import FileChange, WorkspaceChanged
from desktop.core.checkpoints.scan import Entry, Snapshot, WorkspaceScanner, differences
from desktop.core.store.records import StoreError

if TYPE_CHECKING:
    from desktop.core.store.database import Store

log = logging.getLogger(__name__)

FILE_TOOLS = frozenset({"write_file", "edit_file"})
COMMAND_TOOLS = frozenset({"run_command"})
MB = 2**20


@dataclass(frozen=True)
class Before:
    """The workspace before a call: one file (`path`, its entry or None if absent), or a scan."""

    path: str = ""
    entry: Entry | None = None
    snapshot: Snapshot | None = None


class Checkpointer:
    """Captures what one run's tool calls change, and keeps the storage within its cap."""

    def __init__(
        self, store: Store, run_id: int, workspace: Workspace, cap_mb: int | None = None
    ) -> None:
        if cap_mb is None:
            from desktop.core import settings

            cap_mb = settings.load().checkpoint_storage_mb
        self.store = store
        self.run_id = run_id
        self.workspace = workspace
        self.cap_bytes = cap_mb * MB
        self.scanner = WorkspaceScanner(workspace.root, ledger.blobs_of(store))
        self.used: int | None = None
        """Total checkpoint storage, as last counted (None until the first capture)."""
        self.record: Callable[[WorkspaceChanged], None] | None = None
        """Stores an event outside the run's stream (the recorder's), for `settle`."""
        self._first_scan: asyncio.Future[None] | None = None

    def expect(self, name: str) -> None:
        """A call `name` is about to be checked and maybe asked about: if it may change files,
        start the run's first scan now, in the background. It reads the whole workspace, so
        the first command need not wait for all of it (nor for any of it while the user reads
        an approval's preview); runs that only read never pay it."""
        if self._first_scan is None and name in FILE_TOOLS | COMMAND_TOOLS:
            self._first_scan = asyncio.ensure_future(asyncio.to_thread(self._scan_quietly))

    async def before(self, name: str, args: dict[str, Any]) -> Before | None:
        """Store what the call may change; None for calls that change no file."""
        try:
            if name in FILE_TOOLS:
                path = self.workspace.relative(self.workspace.resolve(args["path"]))
                return await asyncio.to_thread(self._file_before, path)
            if name in COMMAND_TOOLS:
                if self._first_scan is not None:
                    await asyncio.wait([self._first_scan])
                return Before(snapshot=await asyncio.to_thread(self.scanner.scan))
        except (OSError, WorkspaceError, KeyError):
            log.warning("run %s: cannot capture before %s", self.run_id, name, exc_info=True)
        return None

    async def after(self, call_id: str, before: Before) -> WorkspaceChanged | None:
        """What the call changed, its contents stored and counted; None if nothing."""
        try:
            return self._counted(call_id, await asyncio.to_thread(self._changes, before))
        except (OSError, StoreError):
            log.warning("run %s: cannot capture after %s", self.run_id, call_id, exc_info=True)
            return None

    def settle(self, call_id: str, before: Before) -> None:
        """Record at once what a cancelled call changed: the run yields nothing more, and
        whoever stopped a command is the first to want it undone."""
        try:
            changed = self._counted(call_id, self._changes(before))
        except (OSError, StoreError):
            log.warning("run %s: cannot capture after %s", self.run_id, call_id, exc_info=True)
            return
        if changed is not None and self.record is not None:
            self.record(changed)

    def _counted(self, call_id: str, changes: tuple[FileChange, ...]) -> WorkspaceChanged | None:
        self._count()
        return WorkspaceChanged(call_id, changes) if changes else None

    def close(self) -> None:
        """The run is over: stop watching its workspace."""
        self.scanner.close()

    def _scan_quietly(self) -> None:
        try:
            self.scanner.scan()
        except OSError:  # the scan before the command walks again
            log.warning("run %s: the first scan failed", self.run_id, exc_info=True)

    def _file_before(self, path: str) -> Before | None:
        entry, regular = self._file_entry(path)
        return Before(path, entry) if regular else None

    def _file_entry(self, path: str) -> tuple[Entry | None, bool]:
        """The file's entry (None if absent), and whether it is a regular file or absent."""
        try:
            info = os.lstat(self.workspace.root / path)
        except FileNotFoundError:
            return None, True
        if not stat.S_ISREG(info.st_mode):
            return None, False
        return self.scanner.entry(path, info), True

    def _changes(self, before: Before) -> tuple[FileChange, ...]:
        if before.snapshot is not None:
            after = self.scanner.scan(before.snapshot.rules)
            return differences(before.snapshot.files, after.files, after.changed)
        entry, _ = self._file_entry(before.path)
        return differences(
            {before.path: before.entry} if before.entry else {},
            {before.path: entry} if entry else {},
        )

    def _count(self) -> None:
        """Hold the new blobs for this run; past the cap, drop the oldest runs' first."""
        added = ledger.hold(self.store, self.run_id, self.scanner.take_stored())
        self.used = ledger.total_bytes(self.store) if self.used is None else self.used + added
        if self.used > self.cap_bytes:
            ledger.enforce_cap(self.store, self.cap_bytes, keep=self.run_id)
            self.used = ledger.total_bytes(self.store)
