"""The tools on real files, real processes and real SQLite, through the registry the loop uses."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from desktop.core import tools
from desktop.core.agent.workspace import Workspace
from desktop.core.events import PlanItem, PlanUpdated
from desktop.core.store.database import Store
from desktop.core.tools import ToolContext, ToolResult
from desktop.core.tools.base import MAX_RESULT_CHARS
from tests.processes import group_ended

TOOL_NAMES = [
    "read_file", "write_file", "edit_file", "list_files", "search", "run_command",
    "sql_query", "update_plan", "remember", "recall",
]


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "notes.md").write_text("alpha\nbeta\ngamma\n")
    (tmp_path / "secret.txt").write_text("top secret\n")
    return ToolContext(Workspace(root))


def call(name: str, args: dict, ctx: ToolContext) -> tuple[list[str], ToolResult]:
    """Run one call as the loop does: check it, then execute it, collecting streamed chunks."""
    problem = tools.check(name, args)
    if problem:
        return [], ToolResult(problem, is_error=True)

    async def collect() -> tuple[list[str], ToolResult]:
        chunks: list[str] = []
        result = None
        async for item in tools.execute(name, args, ctx):
            if isinstance(item, str):
                chunks.append(item)
            else:
                result = item
        assert result is not None
        return chunks, result

    return asyncio.run(collect())


def run(name: str, args: dict, ctx: ToolContext) -> ToolResult:
    return call(name, args, ctx)[1]


# --- the registry -----------------------------------------------------------------------


def test_the_tool_names_are_stable() -> None:
    assert [schema["name"] for schema in tools.schemas()] == TOOL_NAMES
    for schema in tools.schemas():
        assert schema["input_schema"]["type"] == "object"
        assert schema["description"]


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("fly", {}, "unknown tool 'fly'; the tools are: read_file"),
        ("read_file", {}, "read_file: missing required argument 'path'"),
        ("read_file", {"path": 3}, "read_file: argument 'path' must be of type string, got int"),
        ("read_file", {"path": "a", "limit": True}, "argument 'limit' must be of type integer"),
        ("read_file", {"file": "a", "path": "a"}, "read_file: unknown argument 'file'"),
        ("update_plan", {"items": "do it"}, "argument 'items' must be of type array, got str"),
    ],
)
def test_bad_calls_are_explained(name: str, args: dict, message: str) -> None:
    problem = tools.check(name, args)
    assert problem is not None
    assert message in problem


# --- files --------------------------------------------------------------------------------


def test_read_file_numbers_lines_and_pages(ctx: ToolContext) -> None:
    whole = run("read_file", {"path": "notes.md"}, ctx)
    assert whole.text == "     1\talpha\n     2\tbeta\n     3\tgamma"
    page = run("read_file", {"path": "notes.md", "offset": 2, "limit": 1}, ctx)
    assert page.text == "     2\tbeta\n[showing lines 2-2 of 3; pass offset=3 to read on]"


def test_read_file_refuses_binary_missing_and_folders(ctx: ToolContext) -> None:
    (ctx.workspace.root / "logo.png").write_bytes(b"\x89PNG\x00\x00\x01")
    binary = run("read_file", {"path": "logo.png"}, ctx)
    assert binary.is_error and "binary file" in binary.text
    missing = run("read_file", {"path": "nope.txt"}, ctx)
    assert missing.is_error and "'nope.txt' does not exist" in missing.text
    folder = run("read_file", {"path": "pkg"}, ctx)
    assert folder.is_error and "is a folder" in folder.text


def test_large_results_are_capped_head_and_tail(ctx: ToolContext) -> None:
    lines = [f"line {n:05} " + "x" * 90 for n in range(1, 2001)]
    (ctx.workspace.root / "big.txt").write_text("\n".join(lines))
    result = run("read_file", {"path": "big.txt"}, ctx)
    assert len(result.text) < MAX_RESULT_CHARS + 100
    assert "characters omitted" in result.text
    assert "line 00001" in result.text and "line 02000" in result.text


@pytest.mark.parametrize(
    "path", ["../secret.txt", "/etc/passwd", "~/secret.txt", "pkg/../../secret.txt", "a\x00b"]
)
def test_file_tools_refuse_escapes(ctx: ToolContext, path: str) -> None:
    for name, args in [
        ("read_file", {"path": path}),
        ("write_file", {"path": path, "content": "pwned"}),
        ("edit_file", {"path": path, "old_text": "top", "new_text": "pwned"}),
        ("search", {"query": "secret", "path": path}),
        ("sql_query", {"database": path, "sql": "SELECT 1"}),
    ]:
        result = run(name, args, ctx)
        assert result.is_error, (name, path)
        assert f"{name}:" in result.text
    assert (ctx.workspace.root.parent / "secret.txt").read_text() == "top secret\n"


def test_file_tools_refuse_a_symlink_out(ctx: ToolContext) -> None:
    (ctx.workspace.root / "leak").symlink_to(ctx.workspace.root.parent / "secret.txt")
    read = run("read_file", {"path": "leak"}, ctx)
    assert read.is_error and "outside the workspace" in read.text
    write = run("write_file", {"path": "leak", "content": "pwned"}, ctx)
    assert write.is_error
    assert (ctx.workspace.root.parent / "secret.txt").read_text() == "top secret\n"


def test_write_file_creates_folders_and_previews_without_writing(ctx: ToolContext) -> None:
    args = {"path": "docs/new.md", "content": "# New\n"}
    preview = tools.preview("write_file", args, ctx)
    assert "+++ b/docs/new.md" in preview.text and "+# New" in preview.text
    assert not (ctx.workspace.root / "docs").exists()
    assert run("write_file", args, ctx).text == "created docs/new.md (1 line)"
    assert (ctx.workspace.root / "docs" / "new.md").read_text() == "# New\n"


def test_edit_file_replaces_once_and_returns_the_diff(ctx: ToolContext) -> None:
    args = {"path": "pkg/calc.py", "old_text": "a - b", "new_text": "a + b"}
    preview = tools.preview("edit_file", args, ctx)
    assert "-    return a - b\n+    return a + b" in preview.text
    assert "a - b" in (ctx.workspace.root / "pkg" / "calc.py").read_text()
    result = run("edit_file", args, ctx)
    assert not result.is_error
    assert result.text == preview.text
    assert (ctx.workspace.root / "pkg" / "calc.py").read_text() == (
        "def add(a, b):\n    return a + b\n"
    )


def test_edit_file_needs_a_unique_exact_match(ctx: ToolContext) -> None:
    (ctx.workspace.root / "twice.txt").write_text("x = 1\nx = 1\n")
    twice = run("edit_file", {"path": "twice.txt", "old_text": "x = 1", "new_text": "y"}, ctx)
    assert twice.is_error and "occurs 2 times" in twice.text
    absent = run("edit_file", {"path": "twice.txt", "old_text": "z", "new_text": "y"}, ctx)
    assert absent.is_error and "was not found" in absent.text
    unchanged = {"path": "twice.txt", "old_text": "z", "new_text": "y"}
    assert tools.preview("edit_file", unchanged, ctx).is_error
    assert (ctx.workspace.root / "twice.txt").read_text() == "x = 1\nx = 1\n"


def test_edit_file_keeps_crlf_line_endings(ctx: ToolContext) -> None:
    (ctx.workspace.root / "win.txt").write_bytes(b"one\r\ntwo\r\n")
    run("edit_file", {"path": "win.txt", "old_text": "two", "new_text": "2"}, ctx)
    assert (ctx.workspace.root / "win.txt").read_bytes() == b"one\r\n2\r\n"


def test_list_files_globs_and_skips_vcs_folders(ctx: ToolContext) -> None:
    (ctx.workspace.root / ".git").mkdir()
    (ctx.workspace.root / ".git" / "config").write_text("[core]\n")
    assert run("list_files", {}, ctx).text == "notes.md\npkg/calc.py"
    assert run("list_files", {"pattern": "*.py"}, ctx).text == "pkg/calc.py"
    assert run("list_files", {"pattern": "**/*.md"}, ctx).text == "notes.md"
    assert run("list_files", {"pattern": "pkg/*"}, ctx).text == "pkg/calc.py"
    assert run("list_files", {"pattern": "*.rs"}, ctx).text == "no files match '*.rs'"


def test_search_prints_path_line_text(ctx: ToolContext) -> None:
    assert run("search", {"query": r"return \w"}, ctx).text == "pkg/calc.py:2:     return a - b"
    assert run("search", {"query": "^(beta|gamma)$", "path": "notes.md"}, ctx).text == (
        "notes.md:2: beta\nnotes.md:3: gamma"
    )
    bad = run("search", {"query": "("}, ctx)
    assert bad.is_error and "not a valid regular expression" in bad.text


# --- run_command --------------------------------------------------------------------------


def test_run_command_streams_output_and_reports_the_exit_code(ctx: ToolContext) -> None:
    chunks, result = call("run_command", {"command": "echo one; echo two >&2; exit 3"}, ctx)
    assert "".join(chunks) == "one\ntwo\n"
    assert result.text == "one\ntwo\n[exit code 3]"
    assert result.is_error


def test_run_command_runs_in_the_workspace(ctx: ToolContext) -> None:
    result = run("run_command", {"command": "pwd; ls pkg"}, ctx)
    assert result.text == f"{ctx.workspace.root}\ncalc.py\n[exit code 0]"
    assert not result.is_error


def test_run_command_decodes_bad_utf8_with_replacement(ctx: ToolContext) -> None:
    result = run("run_command", {"command": r"printf 'caf\351 ok\n'"}, ctx)
    assert result.text == "caf\ufffd ok\n[exit code 0]"


def test_run_command_caps_endless_output(ctx: ToolContext) -> None:
    script = "import sys\nfor n in range(20000): print(f'row {n:05}', 'y' * 40)"
    (ctx.workspace.root / "spam.py").write_text(script)
    result = run("run_command", {"command": f"{sys.executable} spam.py"}, ctx)
    assert len(result.text) < MAX_RESULT_CHARS + 200
    assert "row 00000" in result.text and "row 19999" in result.text
    assert "characters omitted" in result.text
    assert result.text.endswith("[exit code 0]")


def test_run_command_is_killed_with_its_group_at_the_timeout(ctx: ToolContext) -> None:
    started = time.monotonic()
    chunks, result = call(
        "run_command", {"command": "sleep 30 & echo $$; sleep 30", "timeout_s": 1}, ctx
    )
    assert time.monotonic() - started < 3
    assert result.is_error
    assert "[timed out after 1 s; the command was killed]" in result.text
    pgid = int(chunks[0].split()[0])
    assert group_ended(pgid)


def test_run_command_rejects_a_silly_timeout(ctx: ToolContext) -> None:
    result = run("run_command", {"command": "true", "timeout_s": 0}, ctx)
    assert result.is_error and "timeout_s must be between" in result.text


# --- sql_query ----------------------------------------------------------------------------


@pytest.fixture
def database(ctx: ToolContext) -> Path:
    path = ctx.workspace.root / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
        conn.executemany(
            "INSERT INTO items (name, price) VALUES (?, ?)",
            [(f"item {n}", n * 1.5) for n in range(1, 301)],
        )
    return path


def test_sql_query_renders_rows_as_a_table(ctx: ToolContext, database: Path) -> None:
    sql = "SELECT id, name, price FROM items WHERE id <= 2 ORDER BY id"
    result = run("sql_query", {"database": "shop.db", "sql": sql}, ctx)
    assert result.text == (
        "id | name | price\n--- | ---- | -----\n1 | item 1 | 1.5\n2 | item 2 | 3.0\n(2 rows)"
    )


def test_sql_query_caps_rows(ctx: ToolContext, database: Path) -> None:
    result = run("sql_query", {"database": "shop.db", "sql": "SELECT id FROM items"}, ctx)
    assert "\n200\n" in result.text and "\n201\n" not in result.text
    assert "first 200 rows shown" in result.text


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM items",
        "  -- sneaky\n  UPDATE items SET price = 0",
        "DROP TABLE items",
        "INSERT INTO items (name) VALUES ('x')",
        "WITH doomed AS (SELECT id FROM items) DELETE FROM items WHERE id IN doomed",
        "PRAGMA user_version = 7",
        "SELECT 1; DROP TABLE items",
        "ATTACH 'other.db' AS other",
    ],
)
def test_sql_query_cannot_write(ctx: ToolContext, database: Path, sql: str) -> None:
    result = run("sql_query", {"database": "shop.db", "sql": sql}, ctx)
    assert result.is_error
    assert result.text.startswith("sql_query: ")
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*), sum(price) FROM items").fetchone() == (300, 67725.0)
        assert conn.execute("PRAGMA user_version").fetchone() == (0,)


def test_sql_query_refuses_a_non_database(ctx: ToolContext) -> None:
    result = run("sql_query", {"database": "notes.md", "sql": "SELECT * FROM sqlite_master"}, ctx)
    assert result.is_error and "SQLite refused the query" in result.text


# --- plan and memory ----------------------------------------------------------------------


def test_update_plan_returns_the_plan_event(ctx: ToolContext) -> None:
    items = [{"text": "Read", "status": "done"}, {"text": "Fix", "status": "in_progress"}]
    result = run("update_plan", {"items": items}, ctx)
    assert result.event == PlanUpdated((PlanItem("Read", "done"), PlanItem("Fix", "in_progress")))
    assert result.text == "plan updated (0 pending, 1 in_progress, 1 done)"
    bad = run("update_plan", {"items": [{"text": "Fix", "status": "maybe"}]}, ctx)
    assert bad.is_error and "item 1: status must be one of pending, in_progress, done" in bad.text
    assert bad.event is None


def test_remember_and_recall_through_the_store(ctx: ToolContext, store: Store) -> None:
    ctx.store = store
    saved = run("remember", {"text": "The tests run with tox -e py311", "tags": ["testing"]}, ctx)
    assert saved.text.startswith("remembered (memory #")
    found = run("recall", {"query": "how do tests run"}, ctx)
    assert "[memory #1]" in found.text and "tox" in found.text
    assert run("recall", {"query": "kubernetes"}, ctx).text == "nothing found for 'kubernetes'"


def test_memory_without_a_store_is_an_error_not_a_crash(ctx: ToolContext) -> None:
    result = run("remember", {"text": "x"}, ctx)
    assert result.is_error and "memory is not available" in result.text


def test_tools_never_raise_into_the_loop(ctx: ToolContext) -> None:
    os.chmod(ctx.workspace.root / "notes.md", 0o000)
    try:
        result = run("read_file", {"path": "notes.md"}, ctx)
    finally:
        os.chmod(ctx.workspace.root / "notes.md", 0o644)
    if os.geteuid() == 0:  # root reads anything; the call must still succeed cleanly
        assert not result.is_error
    else:
        assert result.is_error and "Permission denied" in result.text


def test_read_file_pages_through_a_long_file(ctx: ToolContext) -> None:
    (ctx.workspace.root / "log.txt").write_text("".join(f"entry {n}\r\n" for n in range(1, 5001)))
    first = run("read_file", {"path": "log.txt"}, ctx)
    assert first.text.splitlines()[0] == "     1\tentry 1"
    assert first.text.endswith("[showing lines 1-2000 of 5000; pass offset=2001 to read on]")
    last = run("read_file", {"path": "log.txt", "offset": 4999}, ctx)
    assert last.text == "  4999\tentry 4999\n  5000\tentry 5000"
    past = run("read_file", {"path": "log.txt", "offset": 6000}, ctx)
    assert past.text == "[the file has 5000 lines; offset 6000 is past the end]"
