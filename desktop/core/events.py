"""The event vocabulary shared by chat, agent runs, the store, the UI and the CLI.

Every event is a small frozen dataclass named after what happened. Producers (the model
client, the chat session, the agent loop) yield them; consumers (the recorder, the panes, the
CLI) pattern-match on them. `to_record` / `from_record` turn them into the JSON rows the store
keeps, so a stored run replays through the same code that rendered it live.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from desktop.core.checkpoints.changes import (
    CheckpointsDropped,
    Rewound,
    WorkspaceChanged,
    change_event,
)
from desktop.core.mcp.events import (
    MCP_EVENTS,
    McpServerFailed,
    McpServerRestarted,
    McpServerStarted,
)
from desktop.core.model.blocks import Block, ToolUseBlock, parse_content, text_of, to_api

BLOCK_TYPES = get_args(Block)


@dataclass(frozen=True)
class Usage:
    """Token counts and the estimated cost of one model reply (or a running total)."""

    input_tokens: int = 0
    """All input, cached or not."""
    output_tokens: int = 0
    cost_usd: float = 0.0
    cache_read_tokens: int = 0
    """Of the input, read from the prompt cache (billed at a tenth)."""
    cache_write_tokens: int = 0
    """Of the input, written to the prompt cache (billed at 1.25×)."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cost_usd + other.cost_usd,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


@dataclass(frozen=True)
class Budget:
    """Limits checked before each step; the first one reached ends the run.

    A step under way (a long command, a pending approval) is not interrupted: commands have
    their own timeout, and the user can cancel.
    """

    max_steps: int = 30
    max_tokens: int = 2_000_000
    max_cost_usd: float = 5.0
    max_wall_s: float = 3600.0

    def text(self) -> str:
        """30 steps · $5.00 · 60 min"""
        minutes = max(1, round(self.max_wall_s / 60))
        return f"{self.max_steps} steps · ${self.max_cost_usd:.2f} · {minutes} min"

    def after(self, steps: int, usage: Usage) -> Budget:
        """These limits for a run that goes on after `steps` and `usage`: as much again from
        there (the wall time counts from the new start)."""
        return Budget(
            steps + self.max_steps,
            usage.input_tokens + usage.output_tokens + self.max_tokens,
            usage.cost_usd + self.max_cost_usd,
            self.max_wall_s,
        )

    def exceeded(self, steps: int, usage: Usage, elapsed_s: float) -> str | None:
        """The limit that is used up, worded for the user, or None."""
        if steps >= self.max_steps:
            return f"max steps ({self.max_steps})"
        if usage.input_tokens + usage.output_tokens >= self.max_tokens:
            return f"max tokens ({self.max_tokens:,})"
        if usage.cost_usd >= self.max_cost_usd:
            return f"max cost (${self.max_cost_usd:.2f})"
        if elapsed_s >= self.max_wall_s:
            return f"max wall time ({self.max_wall_s:g} s)"
        return None


# --- model stream -------------------------------------------------------------------------


@dataclass(frozen=True)
class TextDelta:
    """A piece of the model's visible text, as it streams in."""

    text: str


@dataclass(frozen=True)
class ThinkingDelta:
    """A piece of the model's extended thinking, as it streams in."""

    text: str


@dataclass(frozen=True)
class Retrying:
    """The API refused for a passing reason; the client waits and tries again."""

    attempt: int
    delay_s: float
    reason: str

    @property
    def notice(self) -> str:
        return f"{self.reason}, retrying in {self.delay_s:g} s (attempt {self.attempt})"


@dataclass(frozen=True)
class MessageDone:
    """One reply as it arrived: its typed content blocks, why it stopped and what it cost.

    `complete` is False when the stream ended before `message_stop`; such a reply is carried
    by the ModelError that says why (`partial`), never acted on.
    """

    content: tuple[Block, ...]
    stop_reason: str | None
    usage: Usage
    model: str
    input_errors: dict[str, str] = field(default_factory=dict)
    """Tool-use ids whose input cannot be used (cut off, not a JSON object), with why."""
    complete: bool = True

    @property
    def text(self) -> str:
        return text_of(self.content)

    @property
    def tool_uses(self) -> tuple[ToolUseBlock, ...]:
        return tuple(b for b in self.content if isinstance(b, ToolUseBlock))


ModelEvent = TextDelta | ThinkingDelta | Retrying | MessageDone


# --- chat -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserMessageSaved:
    """The user's message is in the database; only now is the request sent."""

    message_id: int


@dataclass(frozen=True)
class ReplyStarted:
    message_id: int


@dataclass(frozen=True)
class HistoryTrimmed:
    """The conversation outgrew the model's context window: its `left_out` earliest messages
    are not sent with this reply (the store keeps them)."""

    message_id: int
    left_out: int

    @property
    def notice(self) -> str:
        return (f"The {self.left_out} earliest messages were not sent with this reply: the "
                "conversation no longer fits the model's context window.")


@dataclass(frozen=True)
class ReplyFinished:
    message_id: int
    usage: Usage


@dataclass(frozen=True)
class ReplyFailed:
    """The reply broke off; whatever text arrived is kept on the message."""

    message_id: int
    error: str


ChatEvent = (
    UserMessageSaved | ReplyStarted | TextDelta | ThinkingDelta | Retrying | HistoryTrimmed
    | ReplyFinished | ReplyFailed
)


# --- agent run ----------------------------------------------------------------------------

PlanStatus = Literal["pending", "in_progress", "done"]
RunStatus = Literal[
    "running", "finished", "failed", "cancelled", "budget_exhausted", "interrupted"
]


@dataclass(frozen=True)
class PlanItem:
    text: str
    status: PlanStatus = "pending"


@dataclass(frozen=True)
class RunStarted:
    run_id: int
    goal: str
    workspace: str
    model: str
    budget: Budget | None = None
    """The run's limits (None in runs recorded before it was stored)."""


@dataclass(frozen=True)
class RunForked:
    """The run continues another one: the model is sent `messages` (that run's conversation up
    to its event `fork_seq`, then this run's instruction) instead of the goal alone.

    The run's second event, so a fork is complete on its own: it replays, exports and forks
    again without its parent.
    """

    parent_run_id: int
    fork_seq: int
    messages: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RunResumed:
    """The run goes on after it ended or was interrupted: `message` is the user's follow-up
    (empty when an interrupted run just carries on), `budget` the limits of this part."""

    message: str = ""
    previous_status: str = ""
    budget: Budget | None = None


@dataclass(frozen=True)
class StepStarted:
    """The loop asks the model for its next move (step counts from 1)."""

    step: int


@dataclass(frozen=True)
class PlanUpdated:
    items: tuple[PlanItem, ...]


@dataclass(frozen=True)
class ToolCallStarted:
    call_id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class ToolOutput:
    """A chunk of a running tool's output (run_command streams these)."""

    call_id: str
    chunk: str


@dataclass(frozen=True)
class CommandStarted:
    """run_command's process exists: its group, so a later start can kill it if the app dies.

    `started_at` is the group leader's start time (seconds since the epoch, None where the
    system does not tell), which proves a group found later is still this one.
    """

    call_id: str
    pgid: int
    started_at: float | None = None
    executor: str = "local"


@dataclass(frozen=True)
class ApprovalNeeded:
    """The policy says ask: the run waits until someone resolves `decision`.

    `preview` shows exactly what will happen (the command, or the diff to be written).
    The future is not part of the record; a stored ApprovalNeeded replays without it.
    """

    call_id: str
    name: str
    input: dict[str, Any]
    preview: str
    decision: asyncio.Future[Decision] | None = field(default=None, compare=False, repr=False)

    def resolve(self, decision: Decision) -> None:
        if self.decision is not None and not self.decision.done():
            self.decision.set_result(decision)


@dataclass(frozen=True)
class Decision:
    """The answer to an ApprovalNeeded: allow once, allow the tool for the run, or deny."""

    allow: bool
    always: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ApprovalResolved:
    call_id: str
    allow: bool
    always: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ToolCallFinished:
    call_id: str
    name: str
    result: str
    is_error: bool
    duration_s: float
    denied: bool = False
    content: tuple[dict[str, Any], ...] = ()
    """Blocks the model is sent after the text (an MCP tool's images)."""


@dataclass(frozen=True)
class UsageUpdated:
    """Running totals for the whole run."""

    usage: Usage
    step: int


@dataclass(frozen=True)
class AgentMessage:
    """The model's reply for one step: its text (the deltas, joined) and every block it sent.

    `content` is what the conversation sends back (thinking and unknown blocks included);
    runs recorded before it was kept have only `text`, and their tool calls.
    A reply that broke off (`complete` False) is kept for the record and never sent back.
    """

    text: str
    step: int
    content: tuple[Block, ...] = ()
    stop_reason: str | None = None
    complete: bool = True


@dataclass(frozen=True)
class AppMessage:
    """Words the app adds on the user's side of the conversation (a reply was cut short)."""

    text: str


@dataclass(frozen=True)
class ContextCompacted:
    """From here on the model is sent less than the record holds, to stay within its context
    window: the outputs of the `cleared` calls become stubs (recall brings them back), and if
    `summary` is set, it stands for everything before step `summary_step`. Token counts are
    the estimates of the next request before and after."""

    cleared: tuple[str, ...] = ()
    summary: str = ""
    summary_step: int = 0
    tokens_before: int = 0
    tokens_after: int = 0


@dataclass(frozen=True)
class RunFinished:
    summary: str


@dataclass(frozen=True)
class RunFailed:
    error: str


@dataclass(frozen=True)
class RunCancelled:
    reason: str = "stopped by the user"


@dataclass(frozen=True)
class BudgetExhausted:
    limit: str


RunEnded = RunFinished | RunFailed | RunCancelled | BudgetExhausted
RunEvent = (
    RunStarted
    | RunForked
    | RunResumed
    | StepStarted
    | TextDelta
    | Retrying
    | ThinkingDelta
    | AgentMessage
    | AppMessage
    | PlanUpdated
    | ToolCallStarted
    | ToolOutput
    | CommandStarted
    | ApprovalNeeded
    | ApprovalResolved
    | ToolCallFinished
    | UsageUpdated
    | ContextCompacted
    | WorkspaceChanged
    | Rewound
    | CheckpointsDropped
    | RunFinished
    | RunFailed
    | RunCancelled
    | BudgetExhausted
    | McpServerStarted
    | McpServerFailed
    | McpServerRestarted
)

END_STATUS: dict[type, RunStatus] = {
    RunFinished: "finished",
    RunFailed: "failed",
    RunCancelled: "cancelled",
    BudgetExhausted: "budget_exhausted",
}

_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        RunStarted, RunForked, RunResumed, StepStarted, TextDelta, ThinkingDelta, Retrying,
        AgentMessage, AppMessage, PlanUpdated,
        ToolCallStarted, ToolOutput, ApprovalNeeded, ApprovalResolved, ToolCallFinished,
        UsageUpdated, ContextCompacted, RunFinished, RunFailed, RunCancelled, BudgetExhausted,
        CommandStarted, WorkspaceChanged, Rewound, CheckpointsDropped, *MCP_EVENTS,
    )
}


def to_record(event: Any) -> tuple[str, dict[str, Any]]:
    """The (type, data) pair the store keeps for an event; live-only fields are dropped."""
    data = {
        f.name: _plain(getattr(event, f.name))
        for f in dataclasses.fields(event)
        if f.name != "decision"
    }
    return type(event).__name__, data


def from_record(type_name: str, data: dict[str, Any]) -> Any:
    """Rebuild a stored event, so replay feeds the same renderer as a live run."""
    cls = _TYPES[type_name]
    if cls is PlanUpdated:
        return PlanUpdated(tuple(PlanItem(**item) for item in data["items"]))
    if cls is UsageUpdated:
        return UsageUpdated(Usage(**data["usage"]), data["step"])
    if cls is ContextCompacted:
        return ContextCompacted(**{**data, "cleared": tuple(data.get("cleared", ()))})
    if cls in (WorkspaceChanged, Rewound):
        return change_event(cls, data)
    if cls is RunForked:
        return RunForked(data["parent_run_id"], data["fork_seq"], tuple(data["messages"]))
    if cls is AgentMessage and "content" in data:
        return AgentMessage(**{**data, "content": parse_content(data["content"])})
    if cls in (ToolCallFinished, McpServerStarted):
        tuples = {k: tuple(v) for k, v in data.items() if k in ("content", "tools")}
        return cls(**{**data, **tuples})
    if cls in (RunStarted, RunResumed) and data.get("budget") is not None:
        return cls(**{**data, "budget": Budget(**data["budget"])})
    return cls(**data)


def _plain(value: Any) -> Any:
    if isinstance(value, BLOCK_TYPES):
        return to_api(value)
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
