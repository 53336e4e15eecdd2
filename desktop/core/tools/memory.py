"""remember and recall: long-term notes, and full-text search over them and past runs."""

from __future__ import annotations

from desktop.core.store.database import Store
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
    if args.get("call_id"):
        return _cleared_output(str(args["call_id"]), ctx)
    if not str(args.get("query", "")).strip():
        raise ToolError("give a query to search for, or the call_id of a cleared output")
    hits = _store(ctx).recall(args["query"], limit=RECALL_LIMIT)
    if not hits:
        return ToolResult(f"nothing found for {args['query']!r}")
    lines = []
    for hit in hits:
        where = f"memory #{hit.id}" if hit.kind == "memory" else f"run {hit.run_id}"
        lines.append(f"[{where}] {hit.snippet}")
    return ToolResult("\n".join(lines))


def _cleared_output(call_id: str, ctx: ToolContext) -> ToolResult:
    """The full output of one of this run's calls (compaction may have cleared it)."""
    if ctx.run_id is None:
        raise ToolError("there is no run to recall a call from")
    for stored in reversed(_store(ctx).events(ctx.run_id)):
        if stored.type == "ToolCallFinished" and stored.data.get("call_id") == call_id:
            return ToolResult(str(stored.data.get("result", "")))
    raise ToolError(f"no call {call_id!r} in this run")


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
        "matching notes and run snippets. With call_id instead, shows again the full output "
        "of a call of this run whose output was cleared to save context.",
        {"query": {"type": "string"}, "call_id": {"type": "string"}},
        (),
        run=_recall,
        threaded=False,
    ),
)
