"""`python -m benchmarks [--quick] [--only NAME]`: measure AgentDesk against its targets.

Prints one line per figure, `name: value unit (target X) ✓/✗`, and exits 0 whatever the
figures say (benchmarks are not tests); 1 only when a measurement itself broke. Each group of
figures runs in its own process, with the Qt offscreen platform, no API credentials and a
throw-away data folder in `AGENTDESK_HOME`: the user's real data is never read or touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.measure import Figure, run_child

CREDENTIALS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL")


@dataclass(frozen=True)
class Group:
    """Figures measured together by `benchmarks.<entry>` in one child process."""

    entry: str
    names: tuple[str, ...]
    takes_data: bool = False
    """Whether `--data FOLDER` is passed on to it."""


GROUPS = (
    Group("startup:measure", ("startup_window_s", "startup_vs_bare_ratio")),
    Group("streaming:first_token", ("first_token_overhead_ms",)),
    Group("streaming:stall", ("stream_max_stall_ms",)),
    Group("history:measure", ("open_10k_messages_ms", "rss_10k_mb")),
    Group("search:measure", ("search_100k_ms",)),
    Group("run_render:measure", ("run_500_tools_render_ms",)),
    Group("db:measure", ("db_append_events_per_s",)),
    Group("protocol:measure", ("stalled_stream_detect_s", "tool_input_10mb_s",
                               "long_run_cost_ratio", "compaction_peak_ratio")),
    Group("sandbox:measure", ("sandbox_overhead_ms",)),
    Group("checkpoints:measure", ("checkpoint_scan_100k_ms",)),
    Group(
        "big_history:measure",
        ("big_history_startup_ratio", "sidebar_open_ms", "search_1m_ms", "search_1m_p99_ms",
         "open_run_2k_events_ms", "db_size_per_message_bytes", "idle_rss_mb"),
        takes_data=True,
    ),
)
NAMES = tuple(name for group in GROUPS for name in group.names)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, one repetition: a smoke test"
    )
    parser.add_argument("--only", choices=NAMES, metavar="NAME", help="measure one figure")
    parser.add_argument(
        "--data", metavar="FOLDER", default="",
        help="a throw-away data folder made by `python -m benchmarks.big_data FOLDER` for the"
        " big-history figures (default: a small one, generated)",
    )
    return parser.parse_args(argv)


def isolate(home: str) -> None:
    """Children inherit: offscreen Qt, a scratch data folder, no way to reach a real API."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["AGENTDESK_HOME"] = home
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    for name in CREDENTIALS:
        os.environ.pop(name, None)


def run_group(group: Group, mode: str, only: str | None, data: str) -> bool:
    """Measure and print one group's figures; False if the measurement failed."""
    args = (mode, os.path.abspath(data)) if group.takes_data and data else (mode,)
    try:
        figures = [Figure(**fields) for fields in run_child(group.entry, *args)]
    except Exception as exc:  # report it, go on with the other groups
        print(f"{', '.join(group.names)}: failed: {exc}", file=sys.stderr)
        return False
    for figure in figures:
        if only in (None, figure.name):
            print(figure.line(), flush=True)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    groups = [g for g in GROUPS if args.only is None or args.only in g.names]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-") as home:
        isolate(home)
        ok = [run_group(group, mode, args.only, args.data) for group in groups]
    print(f"({mode} run, {os.cpu_count()} cores, {time.monotonic() - started:.0f} s)")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
