"""Tests of desktop.core.agent.loop."""
