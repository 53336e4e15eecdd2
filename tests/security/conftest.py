"""The attack suite: each test is one attack, checked on disk or on screen.

At the end of a session that ran any of them, one line says how many were blocked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    prefix = HERE.relative_to(config.rootpath).as_posix() + "/"

    def attacks(outcome: str) -> int:
        reports = terminalreporter.stats.get(outcome, [])
        return sum(1 for r in reports if r.when == "call" and r.nodeid.startswith(prefix))

    blocked = attacks("passed")
    total = blocked + attacks("failed")
    if total:
        terminalreporter.write_line(f"security: {blocked}/{total} attacks blocked")
