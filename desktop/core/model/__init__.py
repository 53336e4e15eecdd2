"""The Messages API: the client, typed blocks, the stream parser, errors in words."""
