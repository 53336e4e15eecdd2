"""Regular expressions the model writes, matched with a time limit.

search and list_files run the model's patterns on the `regex` module: a catastrophic pattern
such as `(a|a)+$` raises TimeoutError after MATCH_TIMEOUT_S instead of hanging the run, and
matching releases the GIL (the stdlib `re` holds it while it backtracks, which froze every
thread of the app, the window included).
"""

from __future__ import annotations

import regex

from desktop.core.tools.base import ToolError

MATCH_TIMEOUT_S = 5.0
"""The time one tool call may spend matching, over all lines or names."""

Pattern = regex.Pattern


def compile_pattern(pattern: str, what: str = "the query") -> Pattern[str]:
    """`pattern` compiled with Python's syntax, or ToolError saying what is wrong."""
    try:
        return regex.compile(pattern, regex.VERSION0)
    except (regex.error, ValueError) as exc:
        raise ToolError(f"{what} is not a valid regular expression: {exc}") from exc


def too_slow(what: str) -> ToolError:
    return ToolError(f"{what} took longer than {MATCH_TIMEOUT_S:g} s to match (it backtracks "
                     "too much); simplify it, e.g. avoid nested repeats such as (a|a)+")
