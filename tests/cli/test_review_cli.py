"""`agentdesk search` and `agentdesk import`, with the round trip through `show --format json`.

In-process through `desktop.cli.main`, on the database the autouse fixture's AGENTDESK_HOME
points at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.store.database import Store
from tests.ui.review.helpers import recorded_run


def agentdesk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home_store(isolated_env: Path) -> Store:
    isolated_env.mkdir(parents=True, exist_ok=True)
    return Store(isolated_env / "agentdesk.db")


def test_search_finds_tool_output_and_chat_text(
    capsys: pytest.CaptureFixture[str], home_store: Store
) -> None:
    run_id = recorded_run(home_store)
    chat = home_store.create_conversation("Space")
    home_store.add_message(chat.id, "user", "What is a quasar, briefly?")
    home_store.close()

    code, out, _ = agentdesk(capsys, "search", "quasar", "--json")
    hits = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert {(h["kind"], h["parent_id"], h["seq"]) for h in hits} == {
        ("run_event", run_id, 9), ("message", chat.id, None)}
    assert all("[quasar]" in h["snippet"] for h in hits)

    code, out, _ = agentdesk(capsys, "search", "quasar")
    assert f"run {run_id} event 9" in out and f"chat {chat.id}" in out
    code, out, err = agentdesk(capsys, "search", "nothing-like-this")
    assert (code, out, err.strip()) == (0, "", "no matches")


def test_import_round_trips_runs_and_chats(
    capsys: pytest.CaptureFixture[str], home_store: Store, tmp_path: Path
) -> None:
    run_id = recorded_run(home_store)
    chat = home_store.create_conversation("Branches", system_prompt="Be brief.")
    first = home_store.add_message(chat.id, "user", "One")
    home_store.add_message(chat.id, "assistant", "Reply", parent_id=first.id)
    home_store.add_message(chat.id, "user", "Two")
    home_store.close()

    for noun, item_id, new_id in (("runs", run_id, 2), ("chats", chat.id, 2)):
        _, exported, _ = agentdesk(capsys, noun, "show", str(item_id), "--format", "json")
        path = tmp_path / f"{noun}.json"
        path.write_text(exported)
        code, out, _ = agentdesk(capsys, "import", str(path))
        singular = noun.removesuffix("s")
        assert (code, out.split(":")[0]) == (0, f"imported {singular} {new_id}")
        _, again, _ = agentdesk(capsys, noun, "show", str(new_id), "--format", "json")
        assert again == exported
    assert len(json.loads(again)["messages"]) == 3  # both branches

    code, out, err = agentdesk(capsys, "import", str(tmp_path / "missing.json"))
    assert code == 1 and err.startswith("error: cannot read")
    (tmp_path / "bad.json").write_text('{"type": "run", "version": 2}')
    code, _, err = agentdesk(capsys, "import", str(tmp_path / "bad.json"))
    assert code == 1 and "incomplete or damaged (missing 'run')" in err


def test_a_listing_cut_short_by_its_reader_ends_quietly(
    home_store: Store, isolated_env: Path
) -> None:
    for n in range(3000):
        home_store.create_conversation(f"chat number {n} " + "x" * 60)
    home_store.close()
    env = {**os.environ, "AGENTDESK_HOME": str(isolated_env)}
    process = subprocess.Popen([sys.executable, "-m", "desktop", "chats"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # as `agentdesk chats | head -1` does
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in error and "BrokenPipe" not in error


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["--version"])
    assert ended.value.code == 0
    assert capsys.readouterr().out.startswith("agentdesk 0.")
