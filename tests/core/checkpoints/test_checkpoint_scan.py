"""The checkpoint scan: after its first walk, a watched scanner (inotify) must see exactly
what a walk of everything sees, whatever a command does to the files and folders."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.core.checkpoints.blobs import BlobStore
from desktop.core.checkpoints.scan import Snapshot, WorkspaceScanner, differences


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def digests(snapshot: Snapshot) -> dict[str, str | None]:
    return {path: entry.digest for path, entry in snapshot.files.items()}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(root / "a.txt", "one\n")
    write(root / "src" / "m.py", "x = 1\n")
    write(root / "src" / "deep" / "n.py", "y = 2\n")
    return root


STEPS: list[tuple[str, Callable[[Path], None]]] = [
    ("same-size edit in place", lambda r: (r / "a.txt").write_text("two\n")),
    ("new file", lambda r: write(r / "b.txt", "b\n")),
    ("nested folders at once", lambda r: write(r / "x" / "y" / "z" / "f.txt", "f\n")),
    ("folder removed", lambda r: shutil.rmtree(r / "src" / "deep")),
    ("folder removed and made again", lambda r: (
        shutil.rmtree(r / "x"), write(r / "x" / "other.txt", "o\n"))),
    ("file removed", lambda r: (r / "b.txt").unlink()),
    ("symlinked folder not entered", lambda r: (r / "link").symlink_to(r / "src")),
    ("ignored output", lambda r: (write(r / ".gitignore", "*.log\n"), write(r / "run.log", "l"))),
    ("ignored from then on", lambda r: write(r / "again.log", "l")),
    ("folder moved", lambda r: os.rename(r / "src", r / "lib")),
    ("file renamed", lambda r: os.rename(r / "a.txt", r / "lib" / "a.txt")),
]


def test_a_watched_scanner_sees_what_a_walk_of_everything_sees(
    root: Path, tmp_path: Path
) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    watched = WorkspaceScanner(root, blobs)
    watched.scan()
    incremental = 0
    seen: dict[str, set[str]] = {}
    for name, step in STEPS:
        before = watched.scan()
        step(root)
        after = watched.scan(before.rules)
        walked = WorkspaceScanner(root, blobs, watch=False).scan(before.rules)
        assert digests(after) == digests(walked), name
        assert differences(before.files, after.files, after.changed) == differences(
            before.files, walked.files), name
        incremental += after.changed is not None
        seen[name] = set(after.files)
    watched.close()
    if sys.platform.startswith("linux"):
        assert incremental >= len(STEPS) - 1  # only the moved folder needs a walk again
    assert "run.log" in seen["ignored output"]  # made with the .gitignore that hides it
    assert "again.log" not in seen["ignored from then on"]
    assert "link/m.py" not in seen["symlinked folder not entered"]
