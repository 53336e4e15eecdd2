"""`agentdesk chat MESSAGE` streams one reply to stdout; `agentdesk chats` lists and shows.

The store, chat and model modules (and asyncio) are imported inside the handlers: the window
starts through the same parser and must not pay for them before its first paint.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from desktop.commands.common import (
    add_demo_flag,
    default_model,
    fail,
    keep_profile,
    model_client,
    open_store,
    profile_name,
)

if TYPE_CHECKING:
    from desktop.core.events import ReplyFinished
    from desktop.core.model.client import ModelClient
    from desktop.core.store.database import Store


STOP_NOTES = {
    "max_tokens": "the reply was cut short at its length limit (max_tokens in Settings)",
    "refusal": "the model refused to answer",
    "model_context_window_exceeded": "the reply stopped: the model's context window is full",
}
"""What the terminal says after a reply that stopped for these reasons."""


def register(sub: argparse._SubParsersAction) -> None:
    chat = sub.add_parser("chat", help="send one message and stream the reply")
    chat.add_argument("message", help="the message ('-' reads standard input)")
    chat.add_argument("--conversation", type=int, help="continue this conversation id")
    chat.add_argument("--model", help="model id (default: the one chosen in Settings)")
    chat.add_argument("--system", help="set the conversation's system prompt")
    add_demo_flag(chat)
    chat.set_defaults(handler=chat_command)

    chats = sub.add_parser("chats", help="list conversations, or show one")
    chats.add_argument("--json", action="store_true", help="one JSON object per line")
    chats.set_defaults(handler=list_command)
    actions = chats.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="print a conversation")
    show.add_argument("id", type=int)
    show.add_argument("--format", choices=("md", "json"), default="md")
    show.set_defaults(handler=show_command)


def chat_command(args: argparse.Namespace) -> int:
    import asyncio

    from desktop.core.store.database import NotFound, StoreError

    text = _stdin_text() if args.message == "-" else args.message
    if not text.strip():
        return fail("the message is empty", 2)
    try:
        store = open_store()
    except StoreError as exc:
        return fail(str(exc))
    try:
        if args.conversation is not None:
            keep_profile(args, store.conversation(args.conversation).provider)
        with model_client(args) as client:
            return asyncio.run(_chat(store, client, args, text))
    except (StoreError, NotFound) as exc:
        return fail(str(exc))
    finally:
        store.close()


async def _chat(store: Store, client: ModelClient, args: argparse.Namespace, text: str) -> int:
    from desktop.core import settings
    from desktop.core.chat.session import ChatSession
    from desktop.core.events import (
        HistoryTrimmed,
        ReplyFailed,
        ReplyFinished,
        Retrying,
        TextDelta,
    )

    defaults = settings.load()
    conversation_id = _conversation(store, args, default_model(args))
    session = ChatSession(
        store, client, max_tokens=defaults.max_tokens, temperature=defaults.temperature,
        thinking_budget=defaults.thinking_budget,
        context=settings.context_limits(defaults, getattr(args, "provider", None) or ""),
    )
    code = 0
    try:
        async for event in session.send(conversation_id, text):
            if isinstance(event, TextDelta):
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif isinstance(event, Retrying | HistoryTrimmed):
                print(f"[{event.notice}]", file=sys.stderr)
            elif isinstance(event, ReplyFailed):
                sys.stdout.write("\n")
                code = fail(event.error)
            elif isinstance(event, ReplyFinished) and (note := _stop_note(store, event)):
                sys.stdout.write("\n")
                print(f"[{note}]", file=sys.stderr, end="")
    finally:
        await client.aclose()
    if code == 0:
        sys.stdout.write("\n")
    print(f"[conversation {conversation_id}]", file=sys.stderr)
    return code


def _stop_note(store: Store, finished: ReplyFinished) -> str:
    return STOP_NOTES.get(store.message(finished.message_id).stop_reason or "", "")


def _conversation(store: Store, args: argparse.Namespace, model: str) -> int:
    """The conversation to append to, created (with the default model) when none is named."""
    if args.conversation is not None:
        conversation = store.conversation(args.conversation)
        told = getattr(args, "provider", None) or getattr(args, "demo", False)
        if told and conversation.provider != (profile := profile_name(args)):
            store.set_conversation_provider(conversation.id, profile)  # it remembers the pick
    else:
        conversation = store.create_conversation(model=model,
                                                 provider=profile_name(args))
    if args.model:
        store.set_conversation_model(conversation.id, args.model)
    elif getattr(args, "demo", False) and not conversation.model:
        from desktop.core.demo.server import DEMO_MODEL

        store.set_conversation_model(conversation.id, DEMO_MODEL)
    if args.system is not None:
        store.set_system_prompt(conversation.id, args.system)
    return conversation.id


def list_command(args: argparse.Namespace) -> int:
    from desktop.core.store.database import StoreError

    try:
        store = open_store()
        rows = [
            {
                "id": c.id,
                "title": c.title,
                "model": c.model,
                "messages": store.message_count(c.id),
                "updated_at": c.updated_at,
            }
            for c in store.conversations()
        ]
    except StoreError as exc:
        return fail(str(exc))
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            when = row["updated_at"][:16].replace("T", " ")
            print(f"{row['id']:>5}  {when}  {row['messages']:>4} msgs  {row['title']}")
    return 0


def show_command(args: argparse.Namespace) -> int:
    from desktop.core.review.archive import conversation_text
    from desktop.core.store.database import NotFound, StoreError

    try:
        with open_store() as store:
            text = conversation_text(store, args.id, args.format)
    except NotFound:
        return fail(f"no conversation {args.id}")
    except StoreError as exc:
        return fail(str(exc))
    print(text, end="")
    return 0


def _stdin_text() -> str:
    """Piped text in any encoding: bytes that are not UTF-8 become U+FFFD, not a traceback."""
    return sys.stdin.buffer.read().decode("utf-8", "replace")
