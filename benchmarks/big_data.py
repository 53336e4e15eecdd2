"""`python -m benchmarks.big_data FOLDER [--scale S]`: a data folder of years of daily use.

At scale 1: 1,000,000 messages in 50,000 conversations (one in five with an edited,
branched message), 5,000 runs with 2,000,000 events and 2 GB of tool output, and 10,000
memories, spread over three years. `FOLDER/agentdesk.db` is made with the app's own schema
(so `AGENTDESK_HOME=FOLDER agentdesk` opens it), then filled with bulk `executemany` in one
transaction; the FTS triggers index the rows as they go in. The first run has exactly
`BIG_RUN_EVENTS` events: the one the benchmarks open. Text comes from `TextMaker`, seeded.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.data import TextMaker
from desktop.core import events
from desktop.core.store.database import Store
from desktop.core.store.fts import searchable_text
from desktop.core.store.records import iso_utc

YEARS_S = 3 * 365 * 86_400
BIG_RUN_EVENTS = 2_000
OUTPUT_LINES = (
    "PASSED tests/test_{w}.py::test_{v}", "FAILED tests/test_{w}.py::test_{v} - AssertionError",
    "src/{w}/{v}.py:{n}: warning: unused {w}", "{n} files changed, {n} insertions(+)",
    "Compiling {w} v0.{n}.0", "  File \"{w}/{v}.py\", line {n}, in {v}",
    "npm WARN deprecated {w}@{n}.0.0: use {v} instead", "{w}: {v} took {n} ms",
)
MODEL = "claude-sonnet-5-5"
LOAD_CACHE_KB = 512_000


@dataclass(frozen=True)
class Size:
    """How much to generate; `Size.at(1.0)` is the issue's folder."""

    conversations: int
    messages_each: int
    runs: int
    events_each: int
    output_bytes: int
    memories: int

    @classmethod
    def at(cls, scale: float) -> Size:
        return cls(
            conversations=max(2, round(50_000 * scale)),
            messages_each=20,
            runs=max(2, round(5_000 * scale)),
            events_each=400,
            output_bytes=round(2_000_000_000 * scale),
            memories=max(1, round(10_000 * scale)),
        )

    @property
    def messages(self) -> int:
        return self.conversations * self.messages_each


class Corpus:
    """Pools of seeded sentences and output lines, combined per row: fast, and the word
    frequencies stay those of `TextMaker` (a search matches as many rows as it would)."""

    def __init__(self, seed: int = 11) -> None:
        maker = TextMaker(seed)
        self.rng = random.Random(seed)
        self.sentences = [maker.sentence() for _ in range(20_000)]
        self.replies = [maker.reply() for _ in range(2_000)]
        words = maker.words
        self.lines = [
            self.rng.choice(OUTPUT_LINES).format(
                w=self.rng.choice(words[:400]), v=self.rng.choice(words), n=self.rng.randint(1, 999)
            )
            for _ in range(20_000)
        ]

    def question(self) -> str:
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(1, 3)))

    def reply(self) -> str:
        head = " ".join(self.rng.choices(self.sentences, k=self.rng.randint(2, 5)))
        return f"{head}\n\n{self.rng.choice(self.replies)}"

    def output(self, size: int) -> str:
        lines: list[str] = []
        total = 0
        while total < size:
            line = self.rng.choice(self.lines)
            lines.append(line)
            total += len(line) + 1
        return "\n".join(lines)[:size]


def _stamp(start: float, fraction: float) -> str:
    return iso_utc(start + fraction * YEARS_S)


def _message_rows(
    corpus: Corpus, conversation: int, first_id: int, count: int, when: float
) -> Iterator[tuple[object, ...]]:
    """A chain of alternating question/reply; every fifth chat has an edit, a branch of two."""
    parent: int | None = None
    branch_at = count // 2 if conversation % 5 == 0 else -1
    for offset in range(count):
        id = first_id + offset
        user = offset % 2 == 0
        body = corpus.question() if user else corpus.reply()
        content = json.dumps([{"type": "text", "text": body}], ensure_ascii=False)
        model, tokens_in, tokens_out = ("", 0, 0) if user else (MODEL, 900, 350)
        stamp = iso_utc(when + offset * 40)
        yield (id, conversation, parent, "user" if user else "assistant", content, body, model,
               tokens_in, tokens_out, 0.0081, stamp, stamp)
        # The edited message replaces the one before it: same parent, so a sibling.
        parent = parent if offset == branch_at else id


def add_conversations(db: sqlite3.Connection, size: Size, corpus: Corpus, start: float) -> None:
    next_id = 1
    for n in range(1, size.conversations + 1):
        when = start + n / size.conversations * YEARS_S
        rows = list(_message_rows(corpus, n, next_id, size.messages_each, when))
        next_id += len(rows)
        stamp = iso_utc(when)
        db.execute(
            "INSERT INTO conversations (id, title, model, system_prompt, leaf_id, created_at,"
            " updated_at, provider) VALUES (?, ?, ?, '', ?, ?, ?, '')",
            (n, corpus.question()[:60], MODEL, next_id - 1, stamp, rows[-1][-1]),
        )
        db.executemany(
            "INSERT INTO messages (id, conversation_id, parent_id, role, content, text, model,"
            " input_tokens, output_tokens, cost_usd, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?)",
            rows,
        )


def run_events(corpus: Corpus, count: int, output_bytes: int) -> list[events.RunEvent]:
    """A run of `count` events: steps of a message, usage, a command and its output."""
    calls = max(1, (count - 2) // 8)  # a step is 8 events
    chunk = max(1, output_bytes // (calls * 7))  # 3 chunks streamed, then all 4 as the result
    found: list[events.RunEvent] = [events.RunStarted(0, "goal", "~/app", MODEL)]
    for step in range(1, calls + 1):
        call = f"call-{step}"
        chunks = [corpus.output(chunk) for _ in range(4)]
        found += [
            events.StepStarted(step),
            events.AgentMessage(corpus.question(), step),
            events.UsageUpdated(events.Usage(step * 900, step * 120, step * 0.002), step),
            events.ToolCallStarted(call, "run_command", {"command": f"pytest -k {step}"}),
            *(events.ToolOutput(call, text) for text in chunks[:3]),
            events.ToolCallFinished(call, "run_command", "\n".join(chunks), False, 0.4),
        ]
    found = found[: count - 1]
    found += [events.AgentMessage(corpus.question(), calls) for _ in range(count - 1 - len(found))]
    return [*found, events.RunFinished(corpus.question())]


def add_runs(db: sqlite3.Connection, size: Size, corpus: Corpus, start: float) -> None:
    per_run = size.output_bytes // size.runs
    for n in range(1, size.runs + 1):
        count = BIG_RUN_EVENTS if n == 1 else size.events_each
        when = start + n / size.runs * YEARS_S
        goal = corpus.question()[:200]
        stamp = iso_utc(when)
        db.execute(
            "INSERT INTO runs (id, goal, workspace, model, status, summary, steps, created_at,"
            " updated_at, ended_at) VALUES (?, ?, '~/app', ?, 'finished', 'done', ?, ?, ?, ?)",
            (n, goal, MODEL, count // 8, stamp, stamp, stamp),
        )
        found = run_events(corpus, count, per_run * count // size.events_each)
        db.executemany(
            "INSERT INTO run_events (run_id, seq, type, data, text, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(n, seq, *_record(event), searchable_text(event), iso_utc(when + seq))
             for seq, event in enumerate(found, 1)],
        )


def _record(event: events.RunEvent) -> tuple[str, str]:
    type_name, data = events.to_record(event)
    return type_name, json.dumps(data, ensure_ascii=False)


def add_memories(db: sqlite3.Connection, size: Size, corpus: Corpus, start: float) -> None:
    db.executemany(
        "INSERT INTO memories (text, tags, run_id, created_at) VALUES (?, ?, ?, ?)",
        [(corpus.question(), "project,notes", 1 + n % size.runs,
          _stamp(start, n / size.memories)) for n in range(size.memories)],
    )


def generate(folder: Path, scale: float, seed: int = 11) -> Path:
    """Write `folder/agentdesk.db` at `scale`; its path. The folder must not hold one yet."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agentdesk.db"
    if path.exists():
        raise FileExistsError(f"{path} exists: generate into an empty folder")
    Store(path).close()  # the schema, through the app's migrations
    size = Size.at(scale)
    corpus = Corpus(seed)
    start = time.time() - YEARS_S
    db = sqlite3.connect(path)
    try:
        # No journal while loading (a broken load is thrown away), the app's WAL after.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"PRAGMA cache_size = -{LOAD_CACHE_KB}")
        with db:
            add_conversations(db, size, corpus, start)
            add_runs(db, size, corpus, start)
            add_memories(db, size, corpus, start)
        db.execute("PRAGMA journal_mode = WAL")
    finally:
        db.close()
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.big_data", description=__doc__)
    parser.add_argument("folder", type=Path, help="an empty folder; the data folder to make")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1M messages (default)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    path = generate(args.folder, args.scale)
    size = Size.at(args.scale)
    print(f"{path}: {size.messages:,} messages, {size.runs:,} runs,"
          f" {path.stat().st_size / 1e9:.2f} GB in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
