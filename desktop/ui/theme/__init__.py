"""The app's colours, for the style sheet and for painted widgets, light and dark."""
