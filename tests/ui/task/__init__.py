"""Tests of desktop.ui.task."""
