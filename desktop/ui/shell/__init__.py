"""The window frame around the panes: the main window, sidebar, banner, shortcuts and providers."""
