"""The loopback Messages API as its own process, for `measure.loopback_server`.

It prints its URL, then serves until the parent kills it or closes its stdin.
"""

from __future__ import annotations

import sys
from typing import Any

from desktop.core.demo.fake_api import FakeAPI, Turn


def serve(text: str, tokens_per_s: str) -> None:
    pace = float(tokens_per_s) or None

    def reply(_body: dict[str, Any]) -> Turn:
        return Turn(text=text, tokens_per_s=pace, chunk_chars=4)

    with FakeAPI(responder=reply) as server:
        print(server.url, flush=True)
        sys.stdin.read()  # returns once the parent is gone
