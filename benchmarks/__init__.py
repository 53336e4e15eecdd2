"""Performance figures of AgentDesk against its targets: `python -m benchmarks`."""
