"""Tests of desktop.core.model."""
