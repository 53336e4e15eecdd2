"""The files panel's data: each file a run touched, from before the run to after it.

Tools and commands alike are covered, since both record `WorkspaceChanged` (rewinds, which
record `Rewound`, count too). A replay asks with `upto_seq` for the run as it stood then.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from desktop.core.checkpoints import ledger
from desktop.core.checkpoints.blobs import BlobMissing, BlobStore
from desktop.core.checkpoints.changes import FileChange, net_changes

if TYPE_CHECKING:
    from desktop.core.store.database import Store

FileStatus = Literal["created", "modified", "deleted"]
BINARY = "binary"
GONE = "content no longer stored"


@dataclass(frozen=True)
class TouchedFile:
    """A file's net change over the run: +/- line counts and the unified diff.

    `note` says why there is no diff (binary, over 5 MB, content dropped); counts are 0 then.
    """

    path: str
    status: FileStatus
    added: int
    removed: int
    diff: str
    note: str = ""


def files_touched(store: Store, run_id: int, upto_seq: int | None = None) -> list[TouchedFile]:
    """Every file the run changed (up to its event `upto_seq`), by path; files it changed
    and then put back as they were are left out."""
    blobs = ledger.blobs_of(store)
    return [
        touched(blobs, change)
        for _, change in sorted(net_changes(store, run_id, upto_seq=upto_seq).items())
        if change.before != change.after or change.not_captured
    ]


def touched(blobs: BlobStore, change: FileChange) -> TouchedFile:
    status: FileStatus = (
        "created" if change.before is None else "deleted" if change.after is None
        else "modified"
    )
    if change.not_captured:
        return TouchedFile(change.path, status, 0, 0, "", change.not_captured)
    try:
        before, after = _text(blobs, change.before), _text(blobs, change.after)
    except BlobMissing:
        return TouchedFile(change.path, status, 0, 0, "", GONE)
    if before is None or after is None:
        return TouchedFile(change.path, status, 0, 0, "", BINARY)
    lines = list(difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        "/dev/null" if change.before is None else f"a/{change.path}",
        "/dev/null" if change.after is None else f"b/{change.path}",
    ))
    added = sum(1 for line in lines[2:] if line.startswith("+"))
    removed = sum(1 for line in lines[2:] if line.startswith("-"))
    diff = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return TouchedFile(change.path, status, added, removed, diff)


def _text(blobs: BlobStore, digest: str | None) -> str | None:
    """The content as text ("" for no file), or None if it is binary."""
    if digest is None:
        return ""
    data = blobs.get(digest)
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
