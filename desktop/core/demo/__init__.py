"""The loopback Messages API server, the demo model, and the sample project it fixes."""
