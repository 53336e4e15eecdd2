"""The sandbox: every way out of the workspace is refused, every way within it works."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.agent.workspace import Workspace, WorkspaceError


@pytest.fixture
def root(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "app.py").write_text("print('hi')\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    return ws


def test_relative_paths_resolve_inside(root: Path) -> None:
    ws = Workspace(root)
    assert ws.resolve("src/app.py") == root.resolve() / "src" / "app.py"
    assert ws.resolve("src/../src/app.py") == root.resolve() / "src" / "app.py"
    assert ws.resolve("new/file.txt") == root.resolve() / "new" / "file.txt"
    assert ws.resolve(".") == root.resolve()


def test_absolute_path_inside_is_allowed(root: Path) -> None:
    ws = Workspace(root)
    assert ws.resolve(str(root / "src" / "app.py")) == root.resolve() / "src" / "app.py"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../secret.txt", "outside the workspace"),
        ("src/../../secret.txt", "outside the workspace"),
        ("/etc/passwd", "outside the workspace"),
        ("~/secret.txt", "'~' is not expanded"),
        ("~", "'~' is not expanded"),
        ("src/app.py\x00.txt", "NUL byte"),
        ("", "empty"),
    ],
)
def test_escapes_are_refused(root: Path, path: str, message: str) -> None:
    with pytest.raises(WorkspaceError, match=message):
        Workspace(root).resolve(path)


def test_symlink_pointing_out_is_refused(root: Path, tmp_path: Path) -> None:
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    (root / "outdir").symlink_to(tmp_path)
    (root / "dangling").symlink_to(tmp_path / "not-yet-there.txt")
    ws = Workspace(root)
    for path in ("link.txt", "outdir/secret.txt", "outdir/new.txt", "dangling"):
        with pytest.raises(WorkspaceError, match="outside the workspace"):
            ws.resolve(path)


def test_symlink_within_the_workspace_is_followed(root: Path) -> None:
    (root / "alias.py").symlink_to(root / "src" / "app.py")
    assert Workspace(root).resolve("alias.py") == root.resolve() / "src" / "app.py"


def test_symlink_loop_is_refused_not_crashing(root: Path) -> None:
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    with pytest.raises(WorkspaceError):
        Workspace(root).resolve("a/x")


def test_relative_is_what_the_model_writes(root: Path) -> None:
    ws = Workspace(root)
    assert ws.relative(ws.resolve("src/app.py")) == "src/app.py"
    assert ws.relative(ws.root) == "."


def test_a_workspace_must_be_a_folder(root: Path) -> None:
    with pytest.raises(WorkspaceError, match="is not a folder"):
        Workspace(root / "src" / "app.py")
    with pytest.raises(WorkspaceError, match="is not a folder"):
        Workspace(root / "missing")
