"""Building blocks every pane uses: naming, rich text, markdown, dialogs, text input, paging."""
