"""Light and dark: one palette per scheme, applied to the style sheet, Qt's palette, the code in
messages (render.py) and the task pane's painted parts (task_style.py).

`agentdesk.qss` is a template: `@name@` stands for a palette colour and `@RESOURCES@` for the
resources folder. In "system" mode the theme follows the desktop's colour scheme as it changes;
"light" and "dark" override it. PySide6 only: the window applies the theme before its first
paint.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from desktop.core.paths import resources_dir
from desktop.ui.theme import task_style
from desktop.ui.widgets import render

TEMPLATE = resources_dir() / "agentdesk.qss"
PLACEHOLDER = re.compile(r"@([a-z_]+)@")

LIGHT = MappingProxyType({
    "base": "#ffffff", "sidebar": "#f4f4f5", "control": "#f4f4f5", "hover": "#fafafa",
    "text": "#18181b", "text_soft": "#27272a", "secondary": "#52525b", "muted": "#71717a",
    "meta": "#8b8f98", "faint": "#a1a1aa", "disabled": "#c4c4cc",
    "border": "#e4e4e7", "border_strong": "#d4d4d8", "card_border": "#e7e7ea",
    "list_hover": "#e9e9ec", "list_selected": "#e0e0e5", "selected_text": "#09090b",
    "tool_hover": "#ececf0", "user_card": "#f1f4fe", "user_card_border": "#dde4fb",
    "primary": "#18181b", "primary_text": "#ffffff", "primary_hover": "#3f3f46",
    "primary_disabled": "#d4d4d8", "primary_disabled_text": "#fafafa",
    "danger": "#b42318", "danger_border": "#e3b0a8", "progress": "#9a6700",
    "accent": "#2563eb", "accent_soft": "#eef2ff", "accent_border": "#c7d2fe",
    "accent_text": "#3730a3",
    "demo_background": "#fff7e6", "demo_border": "#f3d9a4", "demo_text": "#7a4b00",
    "no_key_background": "#fdf0ee", "no_key_border": "#f4c7c0", "no_key_text": "#8a1c12",
    "tooltip": "#18181b", "tooltip_text": "#fafafa", "headline": "#3b3f47",
})
DARK = MappingProxyType({
    "base": "#1e1f23", "sidebar": "#17181b", "control": "#2a2b30", "hover": "#26272c",
    "text": "#e8e8ec", "text_soft": "#d4d4d8", "secondary": "#a9abb3", "muted": "#8e9099",
    "meta": "#80838c", "faint": "#62646c", "disabled": "#4d4f56",
    "border": "#33343a", "border_strong": "#44464d", "card_border": "#303137",
    "list_hover": "#24252a", "list_selected": "#2e3036", "selected_text": "#fafafa",
    "tool_hover": "#2e3036", "user_card": "#232a3d", "user_card_border": "#2f3854",
    "primary": "#e8e8ec", "primary_text": "#17181b", "primary_hover": "#c8c9cf",
    "primary_disabled": "#3a3b41", "primary_disabled_text": "#70727a",
    "danger": "#f97066", "danger_border": "#7a2e27", "progress": "#e3b341",
    "accent": "#6b9bff", "accent_soft": "#252d45", "accent_border": "#3b4a7a",
    "accent_text": "#b9c6ff",
    "demo_background": "#2d2616", "demo_border": "#5c4a22", "demo_text": "#e8c170",
    "no_key_background": "#331c1a", "no_key_border": "#5e2a25", "no_key_text": "#f4a199",
    "tooltip": "#e8e8ec", "tooltip_text": "#17181b", "headline": "#c9cad1",
})
MODES = ("system", "light", "dark")


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def style_sheet(dark: bool) -> str:
    """The app's style sheet for the scheme: the template with the palette filled in."""
    colours = DARK if dark else LIGHT
    sheet = TEMPLATE.read_text(encoding="utf-8").replace("@RESOURCES@", resources_dir().as_posix())
    return PLACEHOLDER.sub(lambda match: colours[match.group(1)], sheet)


def qt_palette(dark: bool) -> QPalette:
    """Qt's own palette, for what the style sheet leaves alone (dialogs, menus, spin boxes)."""
    colours = DARK if dark else LIGHT
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
        render.use_theme(self.dark)
        task_style.use_theme(self.dark)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setStyle("Fusion")  # the one style that honours the palette everywhere
            app.setPalette(qt_palette(self.dark))
            app.setStyleSheet(style_sheet(self.dark))
