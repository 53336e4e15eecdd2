"""Entry script for the frozen build: PyInstaller needs a file, the app is `desktop.cli:main`."""

from desktop.cli import main

raise SystemExit(main())
