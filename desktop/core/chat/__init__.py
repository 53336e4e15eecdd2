"""Model mode: a chat session, the history it sends, attachments, a reply saved as it streams."""
