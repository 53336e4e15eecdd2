"""Agent mode: the loop, what it sends, compaction, the recorder, permissions, sandbox."""
