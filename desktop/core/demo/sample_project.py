"""The sample project the demo agent knows: a tiny package with one failing test.

`agentdesk sample-workspace DIR` and the task pane's *Try the demo task* copy it into a fresh
folder; there the demo model plays the seed scenario for real: plan, read, search, fix the
bug with edit_file, run the tests with run_command, see them pass, summarise.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from desktop.core import paths

GOAL = "Fix the failing tests"
BUG = "    return a - b\n"
FIX = "    return a + b\n"
FILES: dict[str, str] = {
    "README.md": (
        "# calc\n\nA tiny calculator package, the AgentDesk demo project. One of its tests "
        "fails: ask the agent to fix the failing tests.\n\n```sh\npython -m pytest -q\n```\n"
    ),
    "calc.py": (
        '"""Small arithmetic helpers."""\n\n\ndef add(a, b):\n    """The sum of a and b."""\n'
        + BUG + '\n\ndef multiply(a, b):\n    """The product of a and b."""\n    return a * b\n'
    ),
    "test_calc.py": (
        '"""The tests: `python -m pytest`, or `python -m unittest` where pytest is not '
        'installed."""\n\nimport unittest\n\nfrom calc import add, multiply\n\n\n'
        "class CalcTest(unittest.TestCase):\n    def test_add(self):\n"
        "        self.assertEqual(add(2, 3), 5)\n\n    def test_multiply(self):\n"
        "        self.assertEqual(multiply(4, 5), 20)\n"
    ),
}
MARKER = "the AgentDesk demo project"
"""Words of the sample's README, by which the demo model knows it is in the sample."""


def fresh_copy() -> Path:
    """A new copy of the sample in the data folder, for the task pane's *Try the demo task*."""
    parent = paths.data_dir() / "sample-projects"
    stamp = datetime.now().strftime("calc-%Y%m%d-%H%M%S")
    folder, number = parent / stamp, 1
    while folder.exists():
        number += 1
        folder = parent / f"{stamp}-{number}"
    return write_sample(folder)


def write_sample(folder: str | Path) -> Path:
    """Write the sample project into `folder` (created; it must be empty if it exists)."""
    root = Path(folder).expanduser()
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty: choose a new or empty folder")
    root.mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root
