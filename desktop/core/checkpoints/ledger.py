"""Which run holds which blob, so storage stays bounded.

A blob is shared by every run that stored the same content; it is deleted when the last run
holding it is deleted or has its checkpoints dropped. When the total passes the cap (Settings'
`checkpoint_storage_mb`), the oldest runs' blobs go first, and each such run is told so by a
`CheckpointsDropped` event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from desktop.core.checkpoints.blobs import BlobStore
from desktop.core.checkpoints.changes import CheckpointsDropped
from desktop.core.store.errors import user_errors

if TYPE_CHECKING:
    from desktop.core.store.database import Store

BATCH = 500
"""Digests per statement: within SQLite's limit on bound parameters."""
_SOLE = """
    SELECT digest FROM checkpoint_blobs held WHERE run_id = ? AND NOT EXISTS (
        SELECT 1 FROM checkpoint_blobs other
        WHERE other.digest = held.digest AND other.run_id != held.run_id)"""


def blobs_of(store: Store) -> BlobStore:
    return BlobStore.beside(store.path)


@user_errors
def hold(store: Store, run_id: int, digests: Iterable[str]) -> int:
    """Count the blobs as the run's; returns the bytes this adds to the total storage.

    A run's first scan can bring a whole workspace at once, so this takes them in batches.
    """
    blobs = blobs_of(store)
    added = 0
    pending = list(digests)
    with store.db.atomic():
        for start in range(0, len(pending), BATCH):
            batch = pending[start:start + BATCH]
            marks = ", ".join("?" * len(batch))
            known = {row[0] for row in store.db.execute(
                f"SELECT DISTINCT digest FROM checkpoint_blobs WHERE digest IN ({marks})", batch)}
            rows = [(run_id, digest, blobs.size(digest)) for digest in batch]
            store.db.conn.executemany(
                "INSERT OR IGNORE INTO checkpoint_blobs (run_id, digest, size) VALUES (?, ?, ?)",
                rows)
            added += sum(size for _, digest, size in rows if digest not in known)
    return added


@user_errors
def total_bytes(store: Store) -> int:
    """What all blobs take on disk, each counted once."""
    sql = "SELECT coalesce(sum(size), 0) FROM (SELECT max(size) size FROM checkpoint_blobs" \
          " GROUP BY digest)"
    return store.db.execute(sql).fetchone()[0]


@user_errors
def release(store: Store, run_id: int) -> None:
    """The run no longer holds its blobs: those no other run holds are deleted."""
    sole = [row[0] for row in store.db.execute(_SOLE, [run_id])]
    store.db.execute("DELETE FROM checkpoint_blobs WHERE run_id = ?", [run_id])
    blobs_of(store).delete(sole)


@user_errors
def enforce_cap(store: Store, cap_bytes: int, keep: int | None = None) -> list[int]:
    """Drop the oldest runs' blobs until the total is within `cap_bytes`; the run `keep`
    (the one running) and runs still going are spared. Returns the runs dropped."""
    dropped: list[int] = []
    while total_bytes(store) > cap_bytes:
        row = store.db.execute(
            "SELECT min(c.run_id) FROM checkpoint_blobs c JOIN runs r ON r.id = c.run_id"
            " WHERE c.run_id IS NOT ? AND r.status != 'running'", [keep],
        ).fetchone()
        if row[0] is None:
            break
        release(store, row[0])
        limit = f"{cap_bytes / 2**20:g} MB"
        store.append_event(row[0], CheckpointsDropped(
            f"its checkpoints were deleted to keep checkpoint storage under {limit}; "
            "its changes can no longer be rewound"
        ))
        dropped.append(row[0])
    return dropped
