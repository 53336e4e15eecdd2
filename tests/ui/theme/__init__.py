"""Tests of desktop.ui.theme."""
