"""`agentdesk runs rewind ID` puts a run's workspace back; `agentdesk runs files ID` shows
what the run did to each file.

Both read the checkpoints the run recorded (core/checkpoints). A rewind is itself recorded as
an event of the run, so rewinding to that event (`--to` its number) undoes it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from desktop.commands import runs
from desktop.commands.common import fail, open_store
from desktop.core.wording import counted

if TYPE_CHECKING:
    from desktop.core.checkpoints.changes import FileChange
    from desktop.core.checkpoints.rewind import RewindDone


def register(actions: argparse._SubParsersAction) -> None:
    back = actions.add_parser(
        "rewind", help="put the run's workspace back as it was before one of its events"
    )
    back.add_argument("id", type=int)
    back.add_argument("--to", type=int, default=1, metavar="SEQ",
                      help="the event to go back to before (default: the run's start)")
    back.add_argument("--force", action="store_true",
                      help="also overwrite files changed since the run touched them")
    back.add_argument("--continue", dest="instruction", metavar="INSTRUCTION",
                      help="then go on from there: a new run, forked from this one just "
                      "before that event, is given this instruction")
    runs.run_options(back)
    back.set_defaults(handler=rewind_run)
    touched = actions.add_parser("files", help="the files a run changed, with their diffs")
    touched.add_argument("id", type=int)
    touched.add_argument("--to", type=int, metavar="SEQ", help="as the run stood at this event")
    touched.add_argument("--json", action="store_true", help="one JSON object per file")
    touched.set_defaults(handler=show_files)


def rewind_run(args: argparse.Namespace) -> int:
    from desktop.core.agent.workspace import WorkspaceError
    from desktop.core.checkpoints.rewind import RewindError, rewind
    from desktop.core.store.database import NotFound, StoreError

    try:
        with open_store() as store:
            done = rewind(store, args.id, args.to, force=args.force)
    except NotFound:
        return fail(f"no run {args.id}")
    except (RewindError, StoreError, WorkspaceError) as exc:
        return fail(str(exc))
    _report(args.id, done)
    left_alone = done.event.lost or (done.event.conflicts and not args.force)
    if args.instruction is None:
        return 1 if left_alone else 0
    if left_alone:
        return fail("not going on: the workspace is not as it was before that event")
    if not args.instruction.strip():
        return fail("the instruction is empty", 2)
    return runs.fork_goal(args)


def _report(run_id: int, done: RewindDone) -> None:
    event = done.event
    print(f"run {run_id} rewound to before event {event.to_seq}: "
          f"{counted(len(event.changes), 'file')} put back")
    for change in event.changes:
        print(f"  {_verb(change)} {change.path}")
    if event.conflicts:
        what = "overwritten" if event.forced else "kept (--force overwrites them)"
        print(f"changed since the run touched them, {what}:", file=sys.stderr)
        for path in event.conflicts:
            print(f"  {path}", file=sys.stderr)
    if event.lost:
        print("not restored, their content was not kept:", file=sys.stderr)
        for path in event.lost:
            print(f"  {path}", file=sys.stderr)
    print(f"undo with: agentdesk runs rewind {run_id} --to {done.seq}", file=sys.stderr)


def _verb(change: FileChange) -> str:
    if change.after is None:
        return "removed "
    return "restored" if change.before is not None else "recreated"


def show_files(args: argparse.Namespace) -> int:
    import dataclasses

    from desktop.core.checkpoints.touched import files_touched
    from desktop.core.store.database import NotFound, StoreError

    try:
        with open_store() as store:
            store.run(args.id)
            found = files_touched(store, args.id, args.to)
    except NotFound:
        return fail(f"no run {args.id}")
    except StoreError as exc:
        return fail(str(exc))
    if not found and not args.json:
        print("no file changed" + (f" by event {args.to}" if args.to else ""), file=sys.stderr)
    for touched in found:
        if args.json:
            print(json.dumps(dataclasses.asdict(touched), ensure_ascii=False))
            continue
        note = f" ({touched.note})" if touched.note else ""
        print(f"{touched.status:<8} +{touched.added} -{touched.removed}  {touched.path}{note}")
        print(touched.diff, end="")
    return 0
