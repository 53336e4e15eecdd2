"""Tests of desktop.core.store.database."""
