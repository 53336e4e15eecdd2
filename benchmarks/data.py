"""Stored data for the benchmarks: chat text with a natural word distribution, and big runs.

Words follow Zipf's law over a vocabulary of common words, technical words and a long tail of
made-up ones, so a search term matches as many messages as a real one would: stop words
nearly all, "docker" a few percent, a rare name a handful. Replies are Markdown with
paragraphs, lists and fenced code, like a model's. Everything is seeded, so runs compare.
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
from pathlib import Path

from desktop.core.events import (
    AgentMessage,
    RunFinished,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
    Usage,
    UsageUpdated,
)
from desktop.core.store.database import Store
from desktop.core.store.records import utc_now

COMMON = (
    "the to a of and is in it you that for this with on be as are can if or your not use "
    "have from by at will an so but all we when then which there"
)
TECHNICAL = (
    "python function file error list value code test data string return class type module "
    "import server request database query table index user install version config path key "
    "object method loop thread memory cache build run output input line docker image container "
    "branch commit merge deploy network socket timeout async await event window layout widget "
    "signal slot regex parse json yaml schema migration column row record token model prompt "
    "stream reply message search sort filter map array dict tuple integer float byte buffer "
    "folder shell command script terminal package library dependency lock process kernel "
    "compile debug profile benchmark latency throughput encoding unicode locale timezone"
)
SYLLABLES = "ka lo ren mi ta sul ven dor pa ri quo zel fin ar tos bel nu ga chi wex"
TAIL_WORDS = 6000
SNIPPETS = (
    ("python", "def load(path):\n    with open(path) as f:\n        return json.load(f)\n"),
    ("sh", "docker compose up -d\ndocker compose logs -f api | grep -i error\n"),
    ("sql", "SELECT id, title FROM notes\nWHERE created_at > date('now', '-7 day')\n"
            "ORDER BY created_at DESC;\n"),
    ("js", "const rows = await db.query(sql, params);\nreturn rows.map((r) => r.id);\n"),
)
OUTPUT_CHUNK = ("x" * 79 + "\n") * 25  # 2,000 characters, 25 lines


def _tail(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < TAIL_WORDS:
        words.add("".join(rng.choices(SYLLABLES.split(), k=rng.randint(2, 4))))
    return sorted(words)


class TextMaker:
    """Seeded sentences, questions and Markdown replies."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = [*COMMON.split(), *TECHNICAL.split(), *_tail(self.rng)]
        weights = (1 / rank for rank in range(1, len(self.words) + 1))  # Zipf: by rank
        self.cumulative = list(itertools.accumulate(weights))

    def sentence(self, low: int = 6, high: int = 20) -> str:
        count = self.rng.randint(low, high)
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=count)
        return " ".join(words).capitalize() + "."

    def question(self) -> str:
        return " ".join(self.sentence(5, 16) for _ in range(self.rng.randint(1, 3)))[:-1] + "?"

    def reply(self) -> str:
        """Two to four paragraphs, sometimes a list, sometimes fenced code."""
        rng = self.rng
        parts = [" ".join(self.sentence() for _ in range(rng.randint(2, 4)))]
        if rng.random() < 0.3:
            parts.append("\n".join(f"- {self.sentence(3, 9)}" for _ in range(rng.randint(2, 5))))
        if rng.random() < 0.35:
            language, code = rng.choice(SNIPPETS)
            parts.append(f"```{language}\n{code}```")
        parts.extend(
            " ".join(self.sentence() for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(1, 2))
        )
        return "\n\n".join(parts)

    def long_reply(self, chars: int) -> str:
        """Markdown of about `chars` characters: a reply that streams for a while."""
        parts: list[str] = []
        while sum(map(len, parts)) < chars:
            parts.append(self.reply())
        return "\n\n".join(parts)[:chars]


def add_conversations(
    path: Path, conversations: int, messages_each: int, text: TextMaker
) -> list[int]:
    """Create conversations of alternating question/reply messages; their ids.

    Messages go in with one bulk INSERT per conversation (the store's FTS triggers index them),
    which is what makes 100,000 of them take seconds instead of minutes.
    """
    with Store(path) as store:
        ids = [store.create_conversation(f"Chat {n}", "claude-sonnet-5-5").id
               for n in range(conversations)]
    connection = sqlite3.connect(path)
    with connection:
        next_id = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM messages").fetchone()[0]
        for conversation_id in ids:
            rows = list(_message_rows(conversation_id, next_id, messages_each, text))
            connection.executemany(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content, text, model,"
                " input_tokens, output_tokens, cost_usd, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?)",
                rows,
            )
            next_id += messages_each
            connection.execute(
                "UPDATE conversations SET leaf_id = ? WHERE id = ?", (next_id - 1, conversation_id)
            )
    connection.close()
    return ids


def _message_rows(
    conversation_id: int, first_id: int, count: int, text: TextMaker
) -> list[tuple[object, ...]]:
    now = utc_now()
    rows = []
    for offset in range(count):
        user = offset % 2 == 0
        body = text.question() if user else text.reply()
        content = json.dumps([{"type": "text", "text": body}], ensure_ascii=False)
        model, tokens_in, tokens_out = ("", 0, 0) if user else ("claude-sonnet-5-5", 900, 350)
        parent = first_id + offset - 1 if offset else None
        rows.append((first_id + offset, conversation_id, parent, "user" if user else "assistant",
                     content, body, model, tokens_in, tokens_out, 0.0081, now, now))
    return rows


def add_big_run(store: Store, calls: int) -> int:
    """A finished run of `calls` run_command calls, each streaming 4,000 characters of output
    (500 calls: 2 MB, and 2 MB more in their results), stored as the recorder stores it."""
    run = store.create_run("Check every module", "/tmp/workspace", "claude-sonnet-5-5")
    add = store.append_event
    add(run.id, RunStarted(run.id, run.goal, run.workspace, run.model))
    for step in range(1, calls + 1):
        call = f"call-{step}"
        add(run.id, StepStarted(step))
        add(run.id, AgentMessage(f"Checking module {step}.", step))
        add(run.id, UsageUpdated(Usage(step * 1000, step * 100, step * 0.001), step))
        add(run.id, ToolCallStarted(call, "run_command", {"command": f"./check {step}"}))
        add(run.id, ToolOutput(call, OUTPUT_CHUNK))
        add(run.id, ToolOutput(call, OUTPUT_CHUNK))
        result = OUTPUT_CHUNK * 2 + "[exit code 0]"
        add(run.id, ToolCallFinished(call, "run_command", result, False, 0.5))
    add(run.id, RunFinished("Every module checked."))
    store.update_run(run.id, status="finished", steps=calls)
    return run.id
