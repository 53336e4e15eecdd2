"""The Chat tab (model mode): the message view, the composer, and the controller that streams replies."""
