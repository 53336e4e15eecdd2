"""Logging for the window and the CLI: a rotating `agentdesk.log` in the data directory.

`--verbose` lowers the level to DEBUG (the SDK's request logs included) and copies the lines to
stderr. Every line goes through `RedactingFormatter`, which blanks any key registered with
`redact` (the key store registers each key it reads or saves) and anything shaped like an
Anthropic key, so a key cannot reach a log file, a terminal or a bug report.
"""

from __future__ import annotations

import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from desktop.core import paths

LOG_NAME = "agentdesk.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"
ANTHROPIC_KEY = re.compile(r"sk-ant-[A-Za-z0-9_\-]+")
MIN_SECRET_CHARS = 8
"""Shorter values (placeholders such as "none" or "demo") are not secrets worth blanking."""
CHATTY_LOGGERS = ("httpx", "httpcore", "httpx2", "httpcore2", "asyncio", "qasync")
"""Libraries whose INFO/DEBUG lines would drown ours unless --verbose asks for them."""

_secrets: set[str] = set()


def redact(secret: str | None) -> None:
    """From now on, log lines show `secret` as [redacted]."""
    if secret and len(secret) >= MIN_SECRET_CHARS:
        _secrets.add(secret)


def scrub(text: str) -> str:
    """`text` with every registered secret and every Anthropic-shaped key blanked."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return ANTHROPIC_KEY.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then scrubs the whole line (message, arguments and traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def log_path() -> Path:
    return paths.data_dir() / LOG_NAME


def setup_logging(verbose: bool = False) -> Path:
    """Send the app's log to the rotating file (and stderr when verbose); its path.

    Safe to call again: the handlers of an earlier call are replaced, not added to.
    """
    redact(os.environ.get("ANTHROPIC_API_KEY"))
    close_logging()
    formatter = RedactingFormatter(FORMAT)
    path = log_path()
    handlers: list[logging.Handler] = []
    try:
        paths.create_private(path)
        handlers.append(RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"))
        unwritable = None
    except OSError as exc:  # a read-only data folder must not stop the app: log to stderr
        unwritable = exc
    if verbose or unwritable:
        handlers.append(logging.StreamHandler())
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(_mark)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.WARNING)
    if unwritable is not None:
        handlers[-1].setLevel(logging.DEBUG if verbose else logging.WARNING)
        logging.getLogger(__name__).warning("cannot write the log file (%s); logging to stderr",
                                            unwritable)
    logging.getLogger(__name__).info("AgentDesk log%s: %s", " (verbose)" if verbose else "", path)
    return path


def close_logging() -> None:
    """Remove and close the handlers `setup_logging` installed; back to Python's defaults."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if _mark in handler.filters:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.WARNING)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _mark(record: logging.LogRecord) -> bool:
    """A filter that lets everything through; its presence marks our handlers."""
    return True
