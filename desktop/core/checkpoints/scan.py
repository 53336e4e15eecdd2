"""What a command changed: the workspace's files before and after it, compared.

A scan stats every file (path, size, mtime, ctime, inode) and hashes only those whose stat
changed since the last scan; each hashed content is stored as a blob, so the content a
command is about to change is already kept when it changes it. `.git/`, symlinks and what
`.gitignore` files ignore are skipped (ignored folders are not even entered); files over
MAX_CAPTURED_BYTES are listed as "not captured". The `.gitignore` rules are those found by
the scan before the command: output that a command hides with a `.gitignore` of its own
(pytest's `.pytest_cache`) is still seen, and so can be rewound.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from desktop.core.checkpoints.blobs import BlobStore
from desktop.core.checkpoints.changes import FileChange
from desktop.core.checkpoints.watch import Watch

MAX_CAPTURED_BYTES = 5 * 1024 * 1024
TOO_BIG = "over 5 MB"
SKIPPED_NAMES = frozenset({".git"})

Stat = tuple[int, int, int, int]
"""size, mtime_ns, ctime_ns, inode: what tells a file changed without reading it."""


@dataclass(frozen=True)
class Entry:
    """A file as a scan saw it: its stat and the digest of its content (None if not kept)."""

    stat: Stat
    digest: str | None
    not_captured: str = ""


@dataclass(frozen=True)
class IgnoreRules:
    """The `.gitignore` files of the workspace, by the folder ("" = the root) they sit in."""

    specs: dict[str, pathspec.PathSpec] = field(default_factory=dict)

    def ignores(self, shown: str) -> bool:
        """Whether `shown` (a folder's path ends with "/") is ignored."""
        for folder, spec in self.specs.items():
            if folder and not shown.startswith(folder + "/"):
                continue
            if spec.match_file(shown[len(folder) + 1:] if folder else shown):
                return True
        return False


def read_rules(path: Path) -> pathspec.PathSpec:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    return pathspec.GitIgnoreSpec.from_lines(lines)


@dataclass
class Snapshot:
    """The files a scan found, and the ignore rules it went by.

    `changed` are the paths that may differ from the scan before (None: any may), which is
    all a comparison with that scan has to look at.
    """

    files: dict[str, Entry]
    rules: IgnoreRules
    changed: set[str] | None = None


def file_stat(info: os.stat_result) -> Stat:
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


class WorkspaceScanner:
    """Scans one workspace again and again, hashing only what changed in between.

    With `watch` (and on Linux), the first scan also puts an inotify watch on each folder it
    walks, and later scans look only at what the kernel says changed (watch.py).
    """

    def __init__(
        self, root: Path, blobs: BlobStore, limit: int = MAX_CAPTURED_BYTES, *,
        watch: bool = True,
    ) -> None:
        self.root = root
        self.blobs = blobs
        self.limit = limit
        self.known: dict[str, Entry] = {}
        self.stored: set[str] = set()
        """Digests this scanner stored or found stored, for the storage ledger."""
        self._stored_lock = threading.Lock()  # a file tool's capture may run beside a scan
        self._ignored: dict[str, bool] = {}
        """Ignore decisions, kept while the `.gitignore` files stay as they were."""
        self._specs: dict[str, tuple[Stat, pathspec.PathSpec]] = {}
        self._rules: IgnoreRules | None = None
        """The rules the last walk of everything found, while no `.gitignore` changed."""
        self._may_watch = watch
        self._watch: Watch | None = None

    def scan(self, rules: IgnoreRules | None = None) -> Snapshot:
        """Every file now; with `rules`, judged by those instead of the `.gitignore`s found."""
        changed = self._watch.changed() if self._watch is not None else None
        known_rules = rules or self._rules
        if changed is None or known_rules is None or (rules is None and _rules_in(changed)):
            snapshot = self._scan_all(rules)
        else:
            snapshot = self._update(changed, known_rules)
        if snapshot.changed and _rules_in(snapshot.changed):
            self._rules = None  # walk everything next time, to read them again
        return snapshot

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None

    def _scan_all(self, rules: IgnoreRules | None) -> Snapshot:
        self.close()
        if self._may_watch:
            try:
                self._watch = Watch(self.root)
            except OSError:
                self._may_watch = False
        found = IgnoreRules() if rules is None else rules
        known, files = self.known, {}
        for rel, info in self._walk(found, collect=rules is None):
            entry = known.get(rel)
            if entry is None or entry.stat != file_stat(info):
                entry = self.entry(rel, info)
            files[rel] = entry
        if rules is None:
            if found.specs.keys() != self._specs.keys():  # one was deleted
                self._specs = {folder: self._specs[folder] for folder in found.specs}
                self._ignored.clear()
            self._rules = found
        self.known = files
        return Snapshot(files, found)

    def _update(self, changed: set[str], rules: IgnoreRules) -> Snapshot:
        """The last scan's files with the `changed` paths looked at again: files re-read,
        folders (new, or deleted and made again) walked, what is gone dropped."""
        files = dict(self.known)
        cleared: list[str] = []  # folders whose files are dropped, then walked if still there
        for rel in sorted(changed):
            if SKIPPED_NAMES & set(rel.split("/")) or rel.startswith(tuple(cleared)):
                continue
            try:
                info = os.lstat(self.root / rel)
            except OSError:
                info = None
            if info is not None and stat.S_ISREG(info.st_mode):
                entry = files.get(rel)
                if rules.specs and self._ignores(rules, rel):
                    continue
                if entry is None or entry.stat != file_stat(info):
                    files[rel] = self.entry(rel, info)
                continue
            files.pop(rel, None)
            cleared.append(rel + "/")  # a folder, or what may have been one
        for rel in [rel for rel in files if rel.startswith(tuple(cleared))] if cleared else ():
            del files[rel]
            changed.add(rel)
        for top in cleared:
            if _is_folder(self.root / top) and not (rules.specs and self._ignores(rules, top)):
                for rel, info in self._walk(rules, collect=False, top=top.rstrip("/")):
                    entry = self.known.get(rel)
                    same = entry is not None and entry.stat == file_stat(info)
                    files[rel] = entry if same and entry else self.entry(rel, info)
                    changed.add(rel)
        self.known = files
        return Snapshot(files, rules, changed)

    def entry(self, rel: str, info: os.stat_result) -> Entry:
        """The file read and stored, unless it is too big or cannot be read."""
        if info.st_size > self.limit:
            return Entry(file_stat(info), None, TOO_BIG)
        try:
            data = (self.root / rel).read_bytes()
        except OSError as exc:
            return Entry(file_stat(info), None, f"unreadable: {exc.strerror}")
        digest = self.blobs.put(data)
        with self._stored_lock:
            self.stored.add(digest)
        return Entry(file_stat(info), digest)

    def take_stored(self) -> set[str]:
        """The digests stored since the last call."""
        with self._stored_lock:
            stored, self.stored = self.stored, set()
        return stored

    def _walk(
        self, rules: IgnoreRules, *, collect: bool, top: str = ""
    ) -> Iterator[tuple[str, os.stat_result]]:
        """Regular files not ignored under `top`, with their stat; folders are told apart
        without a stat (the listing's file type), so only files cost one. Each folder is
        watched before it is listed, so nothing made in between goes unseen."""
        folders = [top]
        while folders:
            folder = folders.pop()
            prefix = folder + "/" if folder else ""
            self._watch_folder(folder)
            try:
                with os.scandir(self.root / folder) as listing:
                    entries = [e for e in listing if e.name not in SKIPPED_NAMES]
            except OSError:
                continue
            if collect and any(e.name == ".gitignore" for e in entries):
                rules.specs[folder] = self._spec(folder)
            for item in entries:
                rel = prefix + item.name
                try:
                    if item.is_dir(follow_symlinks=False):
                        if not (rules.specs and self._ignores(rules, rel + "/")):
                            folders.append(rel)
                        continue
                    if not item.is_file(follow_symlinks=False):
                        continue  # a symlink, FIFO, socket or device
                    if rules.specs and self._ignores(rules, rel):
                        continue
                    yield rel, item.stat(follow_symlinks=False)
                except OSError:  # gone since the listing
                    continue

    def _watch_folder(self, folder: str) -> None:
        """Watch `folder`; at the system's limit on watches, go on without (walking all)."""
        if self._watch is None:
            return
        try:
            self._watch.add(folder)
        except OSError:
            self.close()
            self._may_watch = False

    def _spec(self, folder: str) -> pathspec.PathSpec:
        """The folder's `.gitignore`, read again only when it changed."""
        path = self.root / folder / ".gitignore"
        try:
            now = file_stat(path.stat())
        except OSError:
            now = (0, 0, 0, 0)
        cached = self._specs.get(folder)
        if cached is not None and cached[0] == now:
            return cached[1]
        spec = read_rules(path)
        self._specs[folder] = (now, spec)
        self._ignored.clear()
        return spec

    def _ignores(self, rules: IgnoreRules, shown: str) -> bool:
        """Whether the rules ignore `shown` (a folder ends with "/"), decided once per path."""
        decided = self._ignored.get(shown)
        if decided is None:
            decided = self._ignored[shown] = rules.ignores(shown)
        return decided


def _rules_in(paths: set[str]) -> bool:
    return any(path.rpartition("/")[2] == ".gitignore" for path in paths)


def _is_folder(path: Path) -> bool:
    """A real folder (a symlink to one is not entered)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def differences(
    before: dict[str, Entry], after: dict[str, Entry], paths: set[str] | None = None
) -> tuple[FileChange, ...]:
    """The files created, changed or deleted between two scans, in path order; only among
    `paths` when the later scan says which may have changed."""
    changes = []
    for rel in sorted(before.keys() | after.keys() if paths is None else paths):
        old, new = before.get(rel), after.get(rel)
        if old is None and new is None:
            continue
        if old is not None and new is not None and (
            old.stat == new.stat or (old.digest is not None and old.digest == new.digest)
        ):
            continue
        note = (old.not_captured if old else "") or (new.not_captured if new else "")
        changes.append(FileChange(
            rel, old.digest if old else None, new.digest if new else None, note
        ))
    return tuple(changes)
