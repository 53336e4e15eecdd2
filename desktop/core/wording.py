"""Counts as people say them: "1 line", "2 lines"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str = "") -> str:
    """`count` and the noun, singular for one; `plural` where adding "s" is wrong."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
