"""Reviewing past work: search, export and import, compare runs."""
