"""Tests of desktop.ui.settings."""
