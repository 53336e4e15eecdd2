"""update_plan: the agent's live checklist, shown in the task pane as the run goes."""

from __future__ import annotations

from typing import Any, get_args

from desktop.core.events import PlanItem, PlanStatus, PlanUpdated
from desktop.core.tools.base import Args, Tool, ToolContext, ToolError, ToolResult

STATUSES: tuple[str, ...] = get_args(PlanStatus)
MAX_ITEMS = 50


def _item(number: int, raw: Any) -> PlanItem:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        raise ToolError(f"item {number} must be an object with a non-empty 'text'")
    status = raw.get("status", "pending")
    if status not in STATUSES:
        raise ToolError(f"item {number}: status must be one of {', '.join(STATUSES)}")
    return PlanItem(raw["text"].strip(), status)


def _update_plan(args: Args, ctx: ToolContext) -> ToolResult:
    if len(args["items"]) > MAX_ITEMS:
        raise ToolError(f"a plan holds at most {MAX_ITEMS} items")
    items = tuple(_item(n, raw) for n, raw in enumerate(args["items"], start=1))
    counts = ", ".join(f"{sum(i.status == s for i in items)} {s}" for s in STATUSES)
    return ToolResult(f"plan updated ({counts})", event=PlanUpdated(items))


TOOLS = (
    Tool(
        "update_plan",
        "Replace your plan: the full list of steps, each with a status (pending, in_progress "
        "or done). The user watches it; keep it current as you work.",
        {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "status": {"type": "string", "enum": list(STATUSES)},
                    },
                    "required": ["text", "status"],
                },
            }
        },
        ("items",),
        run=_update_plan,
        threaded=False,
    ),
)
