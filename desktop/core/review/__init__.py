"""Past work as files and figures: exports, transcripts, run summaries, import checks."""
