"""History in the sidebar: search across chats and runs, hits that open where they point,
day groups, and deletes that search forgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.chat.message_view import PAGE
from desktop.ui.review.search_panel import SearchPanel
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.task.run_list import DETAIL_ROLE
from desktop.ui.task.timeline.model import ToolEntry
from desktop.ui.widgets.day_groups import DAY_ROLE
from tests.ui.chat.helpers import WAIT_MS, find
from tests.ui.conftest import OpenWindow
from tests.ui.review.helpers import (
    dated_copy_of_conversation,
    dated_copy_of_run,
    long_chat,
    recorded_run,
)
from tests.ui.task.helpers import find as find_in


def search(qtbot: QtBot, window: MainWindow, text: str, hits: int) -> SearchPanel:
    """Type `text` in the search box and wait for `hits` results."""
    panel = window.sidebar.search_panel
    box = find(window, "searchInput")
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.waitUntil(lambda: len(panel.hits()) == hits and panel.results.count() == max(hits, 1),
                    timeout=WAIT_MS)
    return panel


def click_hit(qtbot: QtBot, panel: SearchPanel, row: int = 0) -> None:
    results = panel.results
    rect = results.visualItemRect(results.item(row))
    qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_word_only_in_a_tools_output_opens_the_run_at_that_event(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    run_id = recorded_run(store)
    window = open_window(client)
    assert find(window, "conversationList").isVisible()

    panel = search(qtbot, window, "quasar", 1)
    [hit] = panel.hits()
    assert (hit.kind, hit.parent_id, hit.seq) == ("run_event", run_id, 9)
    label = panel.results.itemWidget(panel.results.item(0))
    assert "font-weight:600" in label.text() and ">quasar</span>" in label.text()
    assert not find(window, "conversationList").isVisible()  # results take the lists' place

    click_hit(qtbot, panel)
    pane = window.task_pane
    assert window.tabs.currentWidget() is pane and pane.run_id == run_id
    assert find_in(pane, "replaySlider").value() == 9
    entries = pane.timeline.timeline.entries
    ringed = entries[pane.timeline.delegate.highlighted_row]
    assert isinstance(ringed, ToolEntry) and ringed.name == "run_command"
    assert "quasar" in ringed.body.text()
    assert ringed is [e for e in entries if isinstance(e, ToolEntry)][-1]  # nothing after it yet
    assert window.run_list.current_run() == run_id


def test_a_hit_in_an_early_message_opens_the_chat_scrolled_to_it(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    chat, message = long_chat(store, 3 * PAGE, word_at=4, word="xylophone")
    store.create_conversation("Another chat")
    window = open_window(client)

    click_hit(qtbot, search(qtbot, window, "xylophone", 1))
    assert window.tabs.currentWidget() is window.chat_pane
    assert window.controller.conversation_id == chat
    view = window.chat_pane.view
    card = next(c for c in view.cards if c.message_id == message)
    viewport = view.viewport().rect()
    top_left = card.mapTo(view.viewport(), card.rect().topLeft())
    assert viewport.contains(top_left)  # paged back three pages and scrolled to it
    assert card.highlighted  # flashed
    qtbot.waitUntil(lambda: not card.highlighted, timeout=WAIT_MS)


def test_lists_are_grouped_by_day(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    today = store.create_conversation("Today's chat").id
    store.create_conversation("Another today")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    dated_copy_of_conversation(store, today, yesterday.isoformat().replace("+00:00", "Z"))
    dated_copy_of_conversation(store, today, "2020-03-03T12:00:00.000Z")
    run = recorded_run(store)
    old_run = dated_copy_of_run(store, run, "2020-03-03T12:00:00.000Z")
    window = open_window(client)

    chats: QListWidget = find(window, "conversationList")
    assert [chats.item(r).data(DAY_ROLE) for r in range(chats.count())] == [
        "Today", "", "Yesterday", "Tue 3 Mar 2020"]
    first, second = (chats.visualItemRect(chats.item(r)) for r in (0, 1))
    assert first.height() > second.height()  # the day's heading sits in its first row
    runs = window.run_list
    assert [runs.item(r).data(DAY_ROLE) for r in range(runs.count())] == ["Today", "Tue 3 Mar 2020"]
    assert runs.item(1).data(DETAIL_ROLE).startswith(f"#{old_run} · ")


def test_deleting_a_run_after_confirming_removes_it_from_search(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    run_id = recorded_run(store)
    window = open_window(client)
    panel = search(qtbot, window, "quasar", 1)
    asked: list[str] = []
    window.run_list.confirm = lambda parent, title, question, then: (asked.append(question),
                                                                     then())
    window.run_list.confirm_delete(run_id)

    assert asked and "tidy the notes" in asked[0]
    assert window.run_list.item_for(run_id) is None
    qtbot.waitUntil(lambda: panel.hits() == [] and panel.results.count() == 1, timeout=WAIT_MS)
    assert store.search("quasar") == []
    fts = store._db.execute(
        "SELECT count(*) FROM run_events_fts WHERE run_events_fts MATCH 'quasar'"
    ).fetchone()[0]
    assert fts == 0


def test_search_results_take_the_themes_colours(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    recorded_run(store)
    window = open_window(client)
    window.theme.set_mode("dark")
    panel = search(qtbot, window, "quasar", 1)
    label = panel.results.itemWidget(panel.results.item(0))
    assert "#e8e8ec" in label.text()  # the dark theme's text colour: light on dark
    assert "#27272a" not in label.text() and "#b45309" not in label.text()
    window.theme.set_mode("light")
