"""Attacks on the file tools: paths, symlinks, hard links, special files, swaps, big reads.

Each calls the tool as the agent loop does (tools.check, then tools.execute) and checks what
came back and what is on disk.
"""

from __future__ import annotations

import contextlib
import os
import threading
import tracemalloc
from pathlib import Path

import pytest

from desktop.core.agent.workspace import Workspace
from desktop.core.tools import ToolContext
from tests.core.agent.test_tools import run

SECRET = "outside secret 4711"


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print('hello')\n")
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keys.txt").write_text(SECRET + "\n")
    return ToolContext(Workspace(root))


def outside(ctx: ToolContext) -> Path:
    return ctx.workspace.root.parent


@pytest.mark.parametrize(
    "path",
    ["../secret.txt", "src/../../secret.txt", "/etc/passwd", "~/.bashrc", "src/\x00x",
     "./../outside/keys.txt", "src/" + "../" * 40 + "etc/passwd"],
)
def test_read_file_refuses_a_path_out_of_the_workspace(ctx: ToolContext, path: str) -> None:
    result = run("read_file", {"path": path}, ctx)
    assert result.is_error and SECRET not in result.text and "root:" not in result.text


@pytest.mark.parametrize("tool", ["search", "read_file"])
def test_a_symlinked_file_leading_out_is_never_read(ctx: ToolContext, tool: str) -> None:
    (ctx.workspace.root / "src" / "link.txt").symlink_to(outside(ctx) / "secret.txt")
    args = {"query": "secret"} if tool == "search" else {"path": "src/link.txt"}
    result = run(tool, args, ctx)
    assert SECRET not in result.text


def test_search_under_reads_only_policy_skips_symlinks_out(ctx: ToolContext) -> None:
    (ctx.workspace.root / "all-keys").symlink_to(outside(ctx) / "outside" / "keys.txt")
    result = run("search", {"query": "4711", "path": "."}, ctx)
    assert result.text == "no matches for '4711'"


def test_search_in_a_symlinked_file_named_as_the_path(ctx: ToolContext) -> None:
    (ctx.workspace.root / "leak").symlink_to(outside(ctx) / "secret.txt")
    result = run("search", {"query": "secret", "path": "leak"}, ctx)
    assert result.is_error and SECRET not in result.text


def test_a_symlinked_folder_leading_out_is_not_walked(ctx: ToolContext) -> None:
    (ctx.workspace.root / "vendor").symlink_to(outside(ctx) / "outside")
    assert "keys.txt" not in run("list_files", {"pattern": "**"}, ctx).text
    assert SECRET not in run("search", {"query": "4711"}, ctx).text


def test_write_file_through_a_symlink_out_is_refused(ctx: ToolContext) -> None:
    (ctx.workspace.root / "out.txt").symlink_to(outside(ctx) / "secret.txt")
    result = run("write_file", {"path": "out.txt", "content": "pwned"}, ctx)
    assert result.is_error
    assert (outside(ctx) / "secret.txt").read_text() == SECRET + "\n"


def test_write_file_into_a_symlinked_folder_out_is_refused(ctx: ToolContext) -> None:
    (ctx.workspace.root / "docs").symlink_to(outside(ctx) / "outside")
    result = run("write_file", {"path": "docs/new.txt", "content": "pwned"}, ctx)
    assert result.is_error
    assert not (outside(ctx) / "outside" / "new.txt").exists()


def test_edit_file_through_a_symlink_out_is_refused(ctx: ToolContext) -> None:
    (ctx.workspace.root / "e.txt").symlink_to(outside(ctx) / "secret.txt")
    args = {"path": "e.txt", "old_text": "outside", "new_text": "pwned"}
    assert run("edit_file", args, ctx).is_error
    assert (outside(ctx) / "secret.txt").read_text() == SECRET + "\n"


def test_a_hard_link_to_an_outside_file_is_not_written(ctx: ToolContext) -> None:
    os.link(outside(ctx) / "secret.txt", ctx.workspace.root / "hard.txt")
    result = run("write_file", {"path": "hard.txt", "content": "pwned"}, ctx)
    assert result.is_error and "hard links" in result.text
    assert (outside(ctx) / "secret.txt").read_text() == SECRET + "\n"


def test_a_hard_link_is_not_edited_without_approval(ctx: ToolContext) -> None:
    os.link(outside(ctx) / "secret.txt", ctx.workspace.root / "hard.txt")
    args = {"path": "hard.txt", "old_text": "outside", "new_text": "pwned"}
    assert "hard links" in run("edit_file", args, ctx).text
    assert (outside(ctx) / "secret.txt").read_text() == SECRET + "\n"


def test_a_hard_link_is_written_once_the_preview_showed_it(ctx: ToolContext) -> None:
    """The approval preview names the other links; the approved write then goes through."""
    from desktop.core import tools

    os.link(outside(ctx) / "secret.txt", ctx.workspace.root / "hard.txt")
    args = {"path": "hard.txt", "content": "approved\n"}
    preview = tools.preview("write_file", args, ctx)
    assert preview.text.startswith("WARNING: hard.txt has 2 hard links")
    assert not run("write_file", args, ctx).is_error
    assert (outside(ctx) / "secret.txt").read_text() == "approved\n"


@pytest.mark.parametrize("tool", ["read_file", "search", "write_file", "edit_file"])
def test_a_fifo_is_refused_at_once(ctx: ToolContext, tool: str) -> None:
    os.mkfifo(ctx.workspace.root / "pipe")
    args = {
        "read_file": {"path": "pipe"},
        "search": {"query": "x", "path": "pipe"},
        "write_file": {"path": "pipe", "content": "x"},
        "edit_file": {"path": "pipe", "old_text": "a", "new_text": "b"},
    }[tool]
    result = run(tool, args, ctx)  # before the fix this blocked forever in open()
    assert result.is_error or result.text.startswith("no matches")


def test_search_over_a_folder_with_a_fifo_skips_it(ctx: ToolContext) -> None:
    os.mkfifo(ctx.workspace.root / "src" / "pipe")
    assert run("search", {"query": "hello"}, ctx).text == "src/app.py:1: print('hello')"


def flip(real: Path, parked: Path, elsewhere: Path, stop: threading.Event) -> None:
    """Swap `real` for a symlink to `elsewhere` and back until told to stop."""
    steps = (lambda: real.rename(parked), lambda: real.symlink_to(elsewhere),
             real.unlink, lambda: parked.rename(real))
    while not stop.is_set():
        for step in steps:
            with contextlib.suppress(OSError):  # a write may have made the folder anew
                step()


def test_a_folder_swapped_for_a_symlink_never_leaks(ctx: ToolContext) -> None:
    """A thread flips src/ between a real folder and a symlink out while read_file runs."""
    root, elsewhere = ctx.workspace.root, outside(ctx) / "outside"
    (elsewhere / "app.py").write_text(SECRET + "\n")
    real, parked = root / "src", root / "src-real"
    stop = threading.Event()
    flipper = threading.Thread(target=flip, args=(real, parked, elsewhere, stop))
    flipper.start()
    try:
        leaks = sum(SECRET in run("read_file", {"path": "src/app.py"}, ctx).text
                    for _ in range(300))
    finally:
        stop.set()
        flipper.join()
    assert leaks == 0


def test_a_folder_swapped_for_a_symlink_is_never_written_through(ctx: ToolContext) -> None:
    root, elsewhere = ctx.workspace.root, outside(ctx) / "outside"
    (elsewhere / "app.py").write_text(SECRET + "\n")
    real, parked = root / "src", root / "src-real"
    stop = threading.Event()
    flipper = threading.Thread(target=flip, args=(real, parked, elsewhere, stop))
    flipper.start()
    try:
        for _ in range(300):
            run("write_file", {"path": "src/app.py", "content": "pwned\n"}, ctx)
    finally:
        stop.set()
        flipper.join()
    assert (elsewhere / "app.py").read_text() == SECRET + "\n"


def test_a_huge_limit_does_not_decide_how_much_is_held(ctx: ToolContext) -> None:
    big = ctx.workspace.root / "big.log"
    with big.open("w") as handle:
        for number in range(400_000):
            handle.write(f"line {number}\n")
    tracemalloc.start()
    result = run("read_file", {"path": "big.log", "limit": 10**9}, ctx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "showing lines 1-2000 of 400000" in result.text
    assert peak < 3_000_000  # the lines of 2,000, not of 400,000


def test_one_endless_line_is_read_in_pieces(ctx: ToolContext) -> None:
    (ctx.workspace.root / "one.txt").write_text("x" * 20_000_000)
    tracemalloc.start()
    result = run("read_file", {"path": "one.txt"}, ctx)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.text.startswith("     1\txxx") and peak < 5_000_000
