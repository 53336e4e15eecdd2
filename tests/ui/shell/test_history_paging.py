"""A long history opens with its newest page of chats and runs; scrolling down reads more."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.shell.sidebar import ID_ROLE
from desktop.ui.widgets.list_pager import PAGE
from tests.ui.chat.helpers import find
from tests.ui.conftest import OpenWindow

EXTRA = 30


def _ids(view: QListWidget) -> list[int]:
    return [view.item(row).data(ID_ROLE) for row in range(view.count())]


def _scroll_to_end(qtbot: QtBot, view: QListWidget, rows: int) -> None:
    """Scroll down until `rows` are shown; the rows shown before must be kept, not rebuilt
    (a refill would also lose the scroll position)."""
    first = view.item(0)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: view.count() == rows)
    assert view.item(0) is first


def test_the_sidebar_reads_chats_a_page_at_a_time(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    made = [store.create_conversation(f"chat {n}").id for n in range(PAGE + EXTRA)]
    window = open_window(client)
    view = find(window, "conversationList")
    assert _ids(view) == made[: -PAGE - 1 : -1]

    _scroll_to_end(qtbot, view, PAGE + EXTRA)
    assert _ids(view) == made[::-1]


def test_the_run_list_reads_runs_a_page_at_a_time(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    made = [store.create_run(f"goal {n}", "/w", "m").id for n in range(PAGE + EXTRA)]
    window = open_window(client)
    view = window.run_list
    assert _ids(view) == made[: -PAGE - 1 : -1]

    _scroll_to_end(qtbot, view, PAGE + EXTRA)
    assert _ids(view) == made[::-1]
