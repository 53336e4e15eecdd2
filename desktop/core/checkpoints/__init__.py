"""Checkpoints: what a run did to its workspace, kept so that it can be rewound.

`blobs` keeps file contents (content-addressed, deduplicated, compressed) beside the
database; `capture` records, around each file tool and command, the contents each changed
file had before and after as a `WorkspaceChanged` event (`changes`); `scan` finds what a
command changed; `rewind` puts the workspace back as it was before any event; `ledger`
bounds the storage; `touched` tells the files panel what each file went through.

This package imports nothing heavy on purpose: core/events.py imports `changes`.
"""
