"""Rewind: put a run's workspace back as it was before one of its events.

Every `WorkspaceChanged` and `Rewound` at or after that event is undone at once: each file
touched gets the content it had before the first of them (a file created is removed, one
deleted comes back). A file whose content now is neither what the run left nor the target
was changed by someone else since: a conflict, left alone unless forced. The rewind is
recorded as a `Rewound` event holding what it replaced, so rewinding to that event undoes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.agent.workspace import Workspace, WorkspaceError
from desktop.core.checkpoints import ledger
from desktop.core.checkpoints.blobs import BlobMissing, BlobStore
from desktop.core.checkpoints.changes import FileChange, Rewound, net_changes
from desktop.core.checkpoints.scan import MAX_CAPTURED_BYTES, TOO_BIG

if TYPE_CHECKING:
    from desktop.core.store.database import Store

NOT_A_FILE = "not-a-regular-file"
"""Stands for the current "content" of a path that is now a folder or a symlink."""
NEW_FILE_MODE = 0o644


class RewindError(Exception):
    """The run cannot be rewound (still going, no such event); `str()` says why."""


@dataclass(frozen=True)
class RewindPlan:
    """What rewinding the run to before its event `to_seq` would do.

    `restore` and `conflicts` are FileChanges from the current content (`before`, a digest
    not necessarily stored) to the content to put back (`after`, None: remove the file).
    """

    run_id: int
    to_seq: int
    restore: tuple[FileChange, ...]
    conflicts: tuple[FileChange, ...]
    lost: tuple[str, ...]
    """Files that cannot be put back: content never captured, or since deleted."""


@dataclass(frozen=True)
class RewindDone:
    """A rewind that was carried out: rewinding to `seq` (its own event) undoes it."""

    seq: int
    event: Rewound


def plan_rewind(store: Store, run_id: int, to_seq: int = 1) -> RewindPlan:
    """What `rewind` would do now, without doing it (for a dialog to show)."""
    run = store.run(run_id)
    stored = store.events(run_id)
    if not stored or not 1 <= to_seq <= stored[-1].seq:
        last = stored[-1].seq if stored else 0
        raise RewindError(f"run {run_id} has no event {to_seq} (its events are 1 to {last})")
    root = Workspace(run.workspace).root
    blobs = ledger.blobs_of(store)
    restore: list[FileChange] = []
    conflicts: list[FileChange] = []
    lost: list[str] = []
    for path, change in sorted(net_changes(store, run_id, to_seq).items()):
        target, left = change.before, change.after
        current = current_digest(root / path)
        if change.not_captured or (target is not None and not blobs.has(target)):
            if current != target:
                lost.append(path)
        elif current != target:
            undo = FileChange(path, current, target)
            (restore if current == left else conflicts).append(undo)
    return RewindPlan(run_id, to_seq, tuple(restore), tuple(conflicts), tuple(lost))


def rewind(store: Store, run_id: int, to_seq: int = 1, *, force: bool = False) -> RewindDone:
    """Put the workspace back as it was before event `to_seq` (default: the run's start) and
    record it; conflicts are overwritten only when `force`. The run must not be running."""
    if store.run(run_id).status == "running":
        raise RewindError(f"run {run_id} is still going: stop it before rewinding it")
    plan = plan_rewind(store, run_id, to_seq)
    workspace = Workspace(store.run(run_id).workspace)
    blobs = ledger.blobs_of(store)
    done: list[FileChange] = []
    lost = list(plan.lost)
    for change in (*plan.restore, *(plan.conflicts if force else ())):
        try:
            done.append(put_back(workspace, blobs, change))
        except (OSError, BlobMissing, WorkspaceError):
            lost.append(change.path)
    conflicts = tuple(c.path for c in plan.conflicts)
    event = Rewound(to_seq, tuple(done), conflicts, force, tuple(sorted(lost)))
    seq = store.append_event(run_id, event)
    ledger.hold(store, run_id, {c.before for c in done if c.before} | {
        c.after for c in done if c.after})
    return RewindDone(seq, event)


def current_digest(path: Path) -> str | None:
    """The digest of the file's content now; None if absent, NOT_A_FILE if not a file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return NOT_A_FILE
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def put_back(workspace: Workspace, blobs: BlobStore, change: FileChange) -> FileChange:
    """Give `change.path` the content `change.after` (remove it for None); the change made,
    its `before` stored so that it can be undone in turn."""
    parent_rel, _, name = change.path.rpartition("/")
    parent = workspace.resolve(parent_rel) if parent_rel else workspace.root
    path = parent / name
    before, not_captured = _keep(path, blobs)
    if change.after is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _prune(parent, workspace.root)
    else:
        data = blobs.get(change.after)
        parent.mkdir(parents=True, exist_ok=True)
        mode = os.lstat(path).st_mode & 0o7777 if before else NEW_FILE_MODE
        _replace(path, data, mode)
    return FileChange(change.path, before, change.after, not_captured)


def _keep(path: Path, blobs: BlobStore) -> tuple[str | None, str]:
    """Store the file's content before it is replaced: its digest, or why it is not kept."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, ""
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file"
    if info.st_size > MAX_CAPTURED_BYTES:
        return None, TOO_BIG
    return blobs.put(path.read_bytes()), ""


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Write through a temporary file and rename it over `path`: never half a file, and a
    symlink at `path` is replaced, not followed."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _prune(folder: Path, root: Path) -> None:
    """Remove folders left empty by removing a file the run created, up to the root."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
