"""What the terminal commands print passes through here: control characters made visible.

Model text, tool output, arguments and stored titles are chosen by whoever wrote them. Printed
raw, an escape sequence can erase what the approval prompt shows (`touch X #\\x1b[2K$ ls`
displays as `$ ls`), set the window title or write the clipboard (OSC 52). Every control
character but newline and tab is printed as its `\\uXXXX` escape, which also keeps JSON lines
valid JSON meaning the same string. Anything shaped like an API key, or a key this process
read, is blanked as in the log.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from desktop.core.logs import scrub

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str) -> str:
    """`text` with control characters escaped and keys blanked, safe for a terminal."""
    text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace("\r\n", "\n"))
    return scrub(text)


class EscapingStream:
    """A text stream that writes `visible(text)` to the stream it wraps."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(visible(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding…
        return getattr(self.stream, name)


@contextmanager
def escaped_output() -> Iterator[None]:
    """stdout and stderr escaped for as long as a command runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingStream(sys.stdout), EscapingStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
