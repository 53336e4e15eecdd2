"""The built-in demo model: the loopback Messages API server playing `demo_responder`.

It lets anyone try the app (chat and agent runs) without a key, through the same SDK path a
real endpoint takes.
"""

from __future__ import annotations

from desktop.core.demo.fake_api import FakeAPI
from desktop.core.demo.script import demo_responder
from desktop.core.model.client import ModelClient

DEMO_MODEL = "demo"


def start_demo() -> tuple[FakeAPI, ModelClient]:
    """Start the demo server in-process and a client pointed at it."""
    server = FakeAPI(responder=demo_responder).start()
    return server, ModelClient(api_key="demo", base_url=server.url)
