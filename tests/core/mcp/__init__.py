"""Tests of desktop.core.mcp."""
