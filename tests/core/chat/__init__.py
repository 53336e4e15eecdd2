"""Tests of desktop.core.chat.session."""
