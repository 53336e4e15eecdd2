"""Full-text search: what each run event is found by, and the ranked FTS5 queries."""

from __future__ import annotations

import json
from typing import Any

from desktop.core import events

SNIPPET = "'[', ']', '…', 10"


def _words(value: Any) -> str:
    """Raw strings, not JSON: an escaped "\n" would glue the next word to an "n" in the index."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def searchable_text(event: events.RunEvent) -> str | None:
    """What search should find this event by; None for stream chunks repeated in full later."""
    match event:
        case (
            events.RunStarted(goal=text) | events.AgentMessage(text=text)
            | events.RunResumed(message=text) | events.AppMessage(text=text)
        ):
            return text
        case events.ToolCallStarted(name=name, input=arguments):
            return "\n".join([name, *(f"{k}: {_words(v)}" for k, v in arguments.items())])
        case events.ToolCallFinished(result=text) | events.RunFinished(summary=text):
            return text
        case events.RunFailed(error=text):
            return text
        case events.PlanUpdated(items=items):
            return "\n".join(item.text for item in items)
    return None


# Each search arm is ranked and limited on its own FTS table, so snippet() only runs for rows
# that can make the final cut; the union is then re-sorted by rank.
SEARCH_ARMS = (
    f"""SELECT 'message' AS kind, m.id, m.conversation_id, NULL, c.title,
        snippet(messages_fts, 0, {SNIPPET}), m.created_at, messages_fts.rank AS rank
    FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
    JOIN conversations c ON c.id = m.conversation_id WHERE messages_fts MATCH :query""",
    f"""SELECT 'run', r.id, r.id, NULL, r.goal, snippet(runs_fts, 0, {SNIPPET}), r.created_at,
        runs_fts.rank AS rank
    FROM runs_fts JOIN runs r ON r.id = runs_fts.rowid WHERE runs_fts MATCH :query""",
    f"""SELECT 'run_event', e.id, e.run_id, e.seq, r.goal, snippet(run_events_fts, 0, {SNIPPET}),
        e.created_at, run_events_fts.rank AS rank
    FROM run_events_fts JOIN run_events e ON e.id = run_events_fts.rowid
    JOIN runs r ON r.id = e.run_id WHERE run_events_fts MATCH :query""",
    f"""SELECT 'memory', mem.id, mem.run_id, NULL, mem.tags,
        snippet(memories_fts, -1, {SNIPPET}), mem.created_at, memories_fts.rank AS rank
    FROM memories_fts JOIN memories mem ON mem.id = memories_fts.rowid
    WHERE memories_fts MATCH :query""",
)
RECALL_ARMS = (
    f"""SELECT 'memory', mem.id, mem.run_id, snippet(memories_fts, -1, {SNIPPET}), mem.text,
        memories_fts.rank AS rank
    FROM memories_fts JOIN memories mem ON mem.id = memories_fts.rowid
    WHERE memories_fts MATCH :query""",
    f"""SELECT 'run_event', e.id, e.run_id, snippet(run_events_fts, 0, {SNIPPET}), e.text,
        run_events_fts.rank AS rank
    FROM run_events_fts JOIN run_events e ON e.id = run_events_fts.rowid
    WHERE run_events_fts MATCH :query""",
)
