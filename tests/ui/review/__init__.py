"""Tests of desktop.ui.review."""
