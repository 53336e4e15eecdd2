"""File contents kept for rewinding: one zlib-compressed file per distinct content.

A blob is named by the SHA-256 of its content, so the same content is stored once however
many runs and events refer to it. Blobs live beside the database (`checkpoints/ab/cdef…`),
so a test's or a profile's data folder keeps its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from desktop.core import paths

FOLDER = "checkpoints"
COMPRESS_LEVEL = 6


class BlobMissing(Exception):
    """The content was never stored, or was dropped to respect the storage cap."""


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Content-addressed, deduplicated, compressed file contents under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def beside(cls, database: str) -> BlobStore:
        """The blobs of the database at `database` (the data folder's for an in-memory one)."""
        folder = paths.data_dir() if database == ":memory:" else Path(database).parent
        return cls(folder / FOLDER)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        """Store `data` unless a blob holds it already; its digest."""
        digest = digest_of(data)
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".blob-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(zlib.compress(data, COMPRESS_LEVEL))
            os.replace(temp, target)  # a reader never sees half a blob
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return zlib.decompress(self.path(digest).read_bytes())
        except (OSError, zlib.error) as exc:
            raise BlobMissing(f"the stored content {digest[:12]} is gone") from exc

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def size(self, digest: str) -> int:
        """Bytes the blob takes on disk (0 if it is gone)."""
        try:
            return self.path(digest).stat().st_size
        except OSError:
            return 0

    def delete(self, digests: Iterable[str]) -> None:
        for digest in digests:
            with contextlib.suppress(FileNotFoundError):
                self.path(digest).unlink()
