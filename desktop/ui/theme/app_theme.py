"""The window's theme: light, dark or the desktop's; it puts the palette (palette.py) in use and
applies it to the style sheet, Qt's palette and the code in messages (render.py).

`agentdesk.qss` is a template: `@name@` stands for a palette colour and `@resources@` for the
resources folder. In "system" mode the theme follows the desktop's colour scheme as it changes;
"light" and "dark" override it. PySide6 only: the window applies the theme before its first
paint.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.core.paths import resources_dir
from desktop.ui.theme import palette
from desktop.ui.theme.palette import Palette

TEMPLATE = resources_dir() / "agentdesk.qss"
MODES = ("system", "light", "dark")


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def style_sheet(colours: Palette) -> str:
    """The app's style sheet: the template with the palette filled in."""
    return colours.fill(TEMPLATE.read_text(encoding="utf-8"))


def qt_palette(colours: Palette) -> QPalette:
    """Qt's own palette, for what the style sheet leaves alone (dialogs, menus, spin boxes)."""
    role = QPalette.ColorRole
    palette = QPalette()
    for roles, name in (
        ((role.Window, role.Button, role.AlternateBase), "sidebar"),
        ((role.Base,), "base"),
        ((role.WindowText, role.Text, role.ButtonText, role.BrightText), "text"),
        ((role.PlaceholderText,), "meta"),
        ((role.Highlight,), "accent"),
        ((role.Link,), "accent"),
        ((role.ToolTipBase,), "tooltip"),
        ((role.ToolTipText,), "tooltip_text"),
        ((role.Mid, role.Dark), "border_strong"),
        ((role.Light, role.Midlight), "border"),
    ):
        for one in roles:
            palette.setColor(one, QColor(colours[name]))
    palette.setColor(role.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(colours["disabled"]))
    palette.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(colours["disabled"]))
    return palette


class Theme(QObject):
    """The window's theme: a mode (system, light, dark) and what it currently resolves to."""

    changed = Signal(bool)
    """(dark) after the new colours are applied everywhere."""

    def __init__(self, mode: str = "system", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mode = mode if mode in MODES else "system"
        self.system_dark = system_is_dark()
        self.dark = self._resolve()
        hints = QGuiApplication.styleHints()
        if hints is not None:
            hints.colorSchemeChanged.connect(self.on_color_scheme_changed)
        self._apply()

    def set_mode(self, mode: str) -> None:
        """Use `mode` from now on; restyles everything when the result changes."""
        self.mode = mode if mode in MODES else "system"
        dark = self._resolve()
        if dark != self.dark:
            self.dark = dark
            self._apply()
            self.changed.emit(dark)

    def on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        """The desktop switched between light and dark: follow it in "system" mode."""
        self.system_dark = scheme == Qt.ColorScheme.Dark
        self.set_mode(self.mode)

    def _resolve(self) -> bool:
        return self.mode == "dark" or (self.mode == "system" and self.system_dark)

    def _apply(self) -> None:
        colours = palette.use(self.dark)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setStyle("Fusion")  # the one style that honours the palette everywhere
            app.setPalette(qt_palette(colours))
            app.setStyleSheet(style_sheet(colours))
