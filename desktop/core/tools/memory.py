"""remember and recall: long-term notes, and full-text search over them and past runs."""

from __future__ import annotations

from desktop.core.store import Store
from desktop.core.tools.base import Args, Tool, ToolContext, ToolError, ToolResult

RECALL_LIMIT = 10


def _store(ctx: ToolContext) -> Store:
    if ctx.store is None:
        raise ToolError("memory is not available in this run")
    return ctx.store


def _remember(args: Args, ctx: ToolContext) -> ToolResult:
    tags = args.get("tags", [])
    if not all(isinstance(tag, str) for tag in tags):
        raise ToolError("tags must be a list of strings")
    if not args["text"].strip():
        raise ToolError("text is empty; there is nothing to remember")
    memory_id = _store(ctx).add_memory(args["text"], tags=tags, run_id=ctx.run_id)
    return ToolResult(f"remembered (memory #{memory_id})")


def _recall(args: Args, ctx: ToolContext) -> ToolResult:
    hits = _store(ctx).recall(args["query"], limit=RECALL_LIMIT)
    if not hits:
        return ToolResult(f"nothing found for {args['query']!r}")
    lines = []
    for hit in hits:
        where = f"memory #{hit.id}" if hit.kind == "memory" else f"run {hit.run_id}"
        lines.append(f"[{where}] {hit.snippet}")
    return ToolResult("\n".join(lines))


TOOLS = (
    Tool(
        "remember",
        "Store a note in long-term memory so later runs can recall it (facts about the "
        "project, the user's preferences, lessons learned). tags are optional keywords.",
        {"text": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
        ("text",),
        run=_remember,
        threaded=False,
    ),
    Tool(
        "recall",
        "Search long-term memory and past runs (full-text, any of the words); returns the best "
        "matching notes and run snippets.",
        {"query": {"type": "string"}},
        ("query",),
        run=_recall,
        threaded=False,
    ),
)
