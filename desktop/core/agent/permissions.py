"""Which tool calls run on their own, which wait for the user, and which are refused.

Reading, planning and memory run freely; anything that changes files or runs a command asks
first by default. A command that runs as the user (not sandboxed) is not confined to the
workspace, so asking is its guard. A policy belongs to one run: "always allow this tool" lasts
until the run ends.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from desktop.core.events import ApprovalNeeded, Decision

Rule = Literal["allow", "ask", "deny"]
Approve = Literal["all", "reads", "none", "ask"]
APPROVE_MODES: tuple[Approve, ...] = ("ask", "all", "reads", "none")

READ_TOOLS = frozenset({"read_file", "list_files", "search", "sql_query", "recall"})
"""Tools that only look; `--approve reads` lets these (and the plan/memory tools) run."""
BOOKKEEPING_TOOLS = frozenset({"update_plan", "remember"})
"""Tools that change only the agent's own notes, never the user's files."""
DEFAULT_RULES: dict[str, Rule] = {
    **dict.fromkeys(READ_TOOLS | BOOKKEEPING_TOOLS, "allow"),
    "write_file": "ask",
    "edit_file": "ask",
    "run_command": "ask",
}


@dataclass
class Policy:
    """Per-tool rules; a tool without a rule follows `default` (so new tools ask)."""

    rules: dict[str, Rule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    default: Rule = "ask"

    @classmethod
    def from_approve(cls, mode: Approve) -> Policy:
        """The CLI's --approve: ask (the defaults), all, reads (only looking), none (no asks).

        "none" approves nothing that would ask; "reads" also refuses any write a custom
        default would have allowed, so only looking tools run.
        """
        if mode == "all":
            return cls({}, default="allow")
        if mode == "reads":
            return cls(dict.fromkeys(READ_TOOLS | BOOKKEEPING_TOOLS, "allow"), default="deny")
        if mode == "none":
            denied = {name: _no_asking(rule) for name, rule in DEFAULT_RULES.items()}
            return cls(denied, default="deny")
        if mode == "ask":
            return cls()
        raise ValueError(f"unknown approve mode {mode!r}; use one of {', '.join(APPROVE_MODES)}")

    def rule(self, tool: str) -> Rule:
        return self.rules.get(tool, self.default)

    def may_ask(self) -> bool:
        """Whether a call of this run may wait for the user (then its prompt cache should
        outlast the wait)."""
        return self.default == "ask" or "ask" in self.rules.values()

    def decide(self, tool: str) -> Decision | None:
        """The decision the rules make on their own, or None when the user must be asked."""
        rule = self.rule(tool)
        if rule == "allow":
            return Decision(allow=True)
        if rule == "deny":
            return Decision(allow=False, reason=f"the permission policy does not allow {tool}")
        return None

    def request(
        self, call_id: str, tool: str, args: dict[str, Any], preview: str
    ) -> ApprovalNeeded:
        """The question for the user: an event carrying the future its answer resolves."""
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        return ApprovalNeeded(call_id, tool, args, preview, future)

    def answered(self, tool: str, decision: Decision) -> None:
        """Take the user's answer into account: "always" allows the tool for the rest of the run."""
        if decision.allow and decision.always:
            self.rules[tool] = "allow"

    def with_commands_allowed(self) -> Policy:
        """This policy with run_command allowed where it would ask: for commands the sandbox
        contains, when the user chose to run those without asking."""
        rules = dict(self.rules)
        if self.rule("run_command") == "ask":
            rules["run_command"] = "allow"
        return Policy(rules, self.default)

    def copy(self) -> Policy:
        """A fresh policy for a new run, so one run's "always" never leaks into the next."""
        return Policy(dict(self.rules), self.default)


def _no_asking(rule: Rule) -> Rule:
    return "deny" if rule == "ask" else rule
