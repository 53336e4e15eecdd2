"""MCP (Model Context Protocol) servers as agent tools, configured as other MCP clients do.

`config` reads and writes the `mcpServers` entry of config.json (Claude Desktop's format, with
Cline's `disabled` and `autoApprove`); `importers` reads the other apps' files. A run's servers
(`run_servers.RunServers`) start when the run first needs them, in the background; their
tools reach the model as `mcp__<server>__<tool>`. `status` is what a settings page shows.

Nothing here imports the `mcp` SDK at module level except the modules that talk to a server
(`connection`, `transport`, `results`), which a run or a probe loads on a worker thread when
it first needs them: the window paints first, and its loop never waits for the import.
"""
