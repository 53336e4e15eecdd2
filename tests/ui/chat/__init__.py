"""Tests of desktop.ui.chat."""
