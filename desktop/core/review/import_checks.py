"""Whether an imported record has the types its class says, before it reaches the store.

An export is a file anyone can write. Without this check a string `cost_usd`, a list
`input_tokens` or a `system` role went into the database and broke `runs`, `runs show` and
`chats show` later; now the import is refused with the first field that is wrong.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Union

MAX_DEPTH = 64
"""Deeper JSON than this is refused: no export nests that far, and renderers recurse."""


class RecordError(ValueError):
    """`str()` names the field and what was wrong with it."""


def check(record: Any, where: str) -> None:
    """Raise RecordError unless every field of the dataclass `record` has its declared type."""
    hints = typing.get_type_hints(type(record))
    for field in dataclasses.fields(record):
        _check(getattr(record, field.name), hints[field.name], f"{where}.{field.name}")


def check_depth(value: Any, where: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise RecordError(f"{where} is nested more than {MAX_DEPTH} levels deep")
    children = value.values() if isinstance(value, dict) else value if isinstance(
        value, list | tuple) else ()
    for child in children:
        check_depth(child, where, depth + 1)


def _check(value: Any, hint: Any, where: str) -> None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return
    if origin in (Union, types.UnionType):
        problems = []
        for option in args:
            try:
                return _check(value, option, where)
            except RecordError as exc:
                problems.append(str(exc))
        raise RecordError(problems[0])
    if origin is Literal:
        if value not in args:
            raise RecordError(f"{where} must be one of {', '.join(map(repr, args))}, "
                              f"not {value!r}")
        return
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise RecordError(f"{where} must be an object")
        return check(value, where)
    _check_plain(value, origin or hint, args, where)


def _check_plain(value: Any, kind: Any, args: tuple[Any, ...], where: str) -> None:
    expected = {type(None): type(None), bool: bool, str: str, int: int, float: (int, float),
                list: list, tuple: (tuple, list), dict: dict}.get(kind)
    if expected is None:
        return  # a type no export holds (a future): nothing to check
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, expected):
        raise RecordError(f"{where} must be {getattr(kind, '__name__', kind)}, "
                          f"not {type(value).__name__}")
    if kind in (list, tuple) and args:
        for index, item in enumerate(value):
            _check(item, args[0], f"{where}[{index}]")
