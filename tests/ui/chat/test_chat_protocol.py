"""What a reply's protocol details look like in the chat pane: its thinking behind a toggle,
a reply cut at its length limit with Continue, a refusal named as one."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.agent.compaction import ContextLimits
from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow
from tests.ui.chat.helpers import (
    cards,
    click,
    message_requests,
    screen_text,
    send_and_wait,
    thread,
    wait_idle,
)


def test_thinking_shows_collapsed_and_opens_on_a_click(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn("Four.", thinking="Two plus two is four."))
    send_and_wait(qtbot, window, "2+2?")
    card = cards(window)[-1]
    assert card.thinking_button.isVisible() and card.thinking_button.text() == "Show thinking"
    assert "Two plus two" not in screen_text(window)
    click(qtbot, card.thinking_button)
    assert card.thinking_label.isVisible()
    assert card.thinking_label.text() == "Two plus two is four."
    assert card.thinking_button.text() == "Hide thinking"
    assert thread(store, window)[-1].content[0]["signature"] == "demo-signature"


def test_a_reply_cut_at_its_length_limit_can_be_continued(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn("The first half, ", stop_reason="max_tokens"), Turn("and the rest."))
    send_and_wait(qtbot, window, "tell me everything")
    card = cards(window)[-1]
    assert "cut short (length limit)" in card.meta.text()
    click(qtbot, card.continue_button)
    wait_idle(qtbot, window)
    reply = thread(store, window)[-1]
    assert (reply.text, reply.stop_reason) == ("The first half, and the rest.", "end_turn")
    assert len(cards(window)) == 2
    assert "The first half, and the rest." in screen_text(window)
    assert not cards(window)[-1].continue_button.isVisible()
    sent = message_requests(fake_api)[-1]["body"]["messages"]
    prefill = [{"type": "text", "text": "The first half,"}]
    assert sent[-1] == {"role": "assistant", "content": prefill}


def test_a_refusal_is_named_on_the_reply(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn("I can't help with that.", stop_reason="refusal"))
    send_and_wait(qtbot, window, "something bad")
    assert "refused" in cards(window)[-1].meta.text()
    assert thread(store, window)[-1].stop_reason == "refusal"


def test_tokens_read_from_the_prompt_cache_are_shown(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn("Cached.", input_tokens=5000, output_tokens=9, cache_read_tokens=4000))
    send_and_wait(qtbot, window, "again")
    assert "5,000 in (4,000 cached) / 9 out" in cards(window)[-1].meta.text()
    assert thread(store, window)[-1].cache_read_tokens == 4000


def test_the_pane_says_when_earlier_messages_were_left_out(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    controller = window.controller
    assert controller is not None
    controller.context = ContextLimits(window=3_000)
    controller.set_generation(4096, None)
    chat = store.create_conversation(model="claude-sonnet-5-5")
    first = store.add_message(chat.id, "user", "remember this: " + "y" * 12000)
    store.add_message(chat.id, "assistant", "Noted.", parent_id=first.id)
    controller.open_conversation(chat.id)
    fake_api.add(Turn("Still here."))
    with qtbot.waitSignal(controller.notice, timeout=5000):
        send_and_wait(qtbot, window, "what now?")
    notice = window.chat_pane.notice
    assert notice.isVisible() and "earliest messages were not sent" in notice.text()
    sent = message_requests(fake_api)[-1]["body"]["messages"]
    assert len(sent) == 1 and "y" * 100 not in str(sent)
