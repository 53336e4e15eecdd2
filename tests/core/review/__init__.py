"""Tests of desktop.core.review."""
