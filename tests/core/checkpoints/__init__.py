"""Tests of desktop.core.checkpoints."""
