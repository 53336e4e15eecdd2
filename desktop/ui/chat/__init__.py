"""The Chat tab (model mode): messages, the composer, and the controller that streams replies."""
