"""The checkpoint events: what a tool call or a rewind changed in the workspace.

Kept apart from core/events.py (which registers them) so that module stays the vocabulary's
index, not its every detail. A content is named by its blob digest (see blobs.py); None means
the file did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.core.store.database import Store


@dataclass(frozen=True)
class FileChange:
    """One file's content before and after: digests, None for "no such file".

    `not_captured` says why the content was not kept (over the size limit, unreadable); such
    a change is shown but cannot be rewound.
    """

    path: str
    """Relative to the workspace, with forward slashes."""
    before: str | None
    after: str | None
    not_captured: str = ""


@dataclass(frozen=True)
class WorkspaceChanged:
    """A tool call (write_file, edit_file, run_command) changed these files."""

    call_id: str
    changes: tuple[FileChange, ...]


@dataclass(frozen=True)
class Rewound:
    """The workspace was put back as it was before the run's event `to_seq`.

    `changes` are what the rewind itself did, so rewinding to this event undoes it.
    `conflicts` are files changed since the run touched them, left alone (or overwritten,
    when `forced`); `lost` are files that could not be restored (content never captured, or
    dropped to keep the storage under its cap).
    """

    to_seq: int
    changes: tuple[FileChange, ...]
    conflicts: tuple[str, ...] = ()
    forced: bool = False
    lost: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckpointsDropped:
    """This run's stored contents were deleted to keep checkpoint storage under its cap; its
    changes can no longer be rewound."""

    reason: str


ChangeEvent = WorkspaceChanged | Rewound


def change_event(cls: type[ChangeEvent], data: dict[str, Any]) -> ChangeEvent:
    """A stored WorkspaceChanged or Rewound rebuilt, its lists as tuples again."""
    changes = tuple(FileChange(**change) for change in data["changes"])
    if cls is WorkspaceChanged:
        return WorkspaceChanged(data["call_id"], changes)
    return Rewound(
        data["to_seq"], changes, tuple(data.get("conflicts", ())), data.get("forced", False),
        tuple(data.get("lost", ())),
    )


def net_changes(
    store: Store, run_id: int, from_seq: int = 1, upto_seq: int | None = None
) -> dict[str, FileChange]:
    """Each file the run's events `from_seq`..`upto_seq` changed, from its first `before` to
    its last `after`: what rewinding them undoes, or what the files panel shows."""
    net: dict[str, FileChange] = {}
    for stored in store.events(run_id, upto_seq):
        if stored.seq < from_seq or stored.type not in ("WorkspaceChanged", "Rewound"):
            continue
        for change in stored.event().changes:
            first = net.get(change.path, change)
            net[change.path] = FileChange(change.path, first.before, change.after,
                                          first.not_captured or change.not_captured)
    return net
