"""The app's one palette: every colour by what it means, in light and dark.

The style sheets (the app's `agentdesk.qss`, the task pane's) fill their `@name@` placeholders
from it, and painted widgets look their colours up in `current()` when they paint, so a status
or a border has one colour everywhere. A theme switch puts the other (immutable) palette in use;
nothing is recoloured in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from PySide6.QtGui import QColor

from desktop.core.paths import resources_dir

LIGHT = MappingProxyType({
    # surfaces
    "base": "#ffffff", "sidebar": "#f4f4f5", "control": "#f4f4f5", "hover": "#fafafa",
    "card": "#ffffff", "code_background": "#fafafa", "plan_current": "#eff4ff",
    "list_hover": "#e9e9ec", "list_selected": "#e0e0e5", "tool_hover": "#ececf0",
    "user_card": "#f1f4fe", "user_card_border": "#dde4fb",
    # text
    "text": "#18181b", "text_soft": "#27272a", "text_body": "#3f3f46", "headline": "#3b3f47",
    "secondary": "#52525b", "muted": "#71717a", "meta": "#8b8f98", "faint": "#a1a1aa",
    "disabled": "#c4c4cc", "selected_text": "#09090b",
    # lines
    "border": "#e4e4e7", "border_strong": "#d4d4d8", "card_border": "#e7e7ea",
    "divider": "#f0f0f2", "preview_border": "#ececef",
    # actions
    "primary": "#18181b", "primary_text": "#ffffff", "primary_hover": "#3f3f46",
    "primary_disabled": "#d4d4d8", "primary_disabled_text": "#fafafa",
    "accent": "#2563eb", "accent_soft": "#eef2ff", "accent_border": "#c7d2fe",
    "accent_text": "#3730a3",
    # states
    "danger": "#b42318", "danger_border": "#e3b0a8", "danger_disabled": "#d4a29b",
    "progress": "#9a6700", "warning": "#b45309", "success": "#15803d",
    "caution_background": "#fff7e6", "caution_border": "#f3d9a4", "caution_text": "#7a4b00",
    "no_key_background": "#fdf0ee", "no_key_border": "#f4c7c0", "no_key_text": "#8a1c12",
    "end_finished": "#ecfdf3", "end_failed": "#fef3f2", "end_neutral": "#f4f4f5",
    "end_budget": "#fffaeb",
    # diffs
    "diff_file": "#52525b", "diff_hunk": "#0e7490", "diff_hunk_bg": "#ecfeff",
    "diff_added": "#166534", "diff_added_bg": "#e6f6ea", "diff_removed": "#b42318",
    "diff_removed_bg": "#fdecea",
    "tooltip": "#18181b", "tooltip_text": "#fafafa",
    # code in messages (its tokens are the pygments style's)
    "code_block": "#f6f8fa", "code_border": "#d8dee4", "code_header": "#57606a",
    "code_header_background": "#eef1f4", "code_inline": "#eff1f3", "quote": "#57606a",
})
DARK = MappingProxyType({
    "base": "#1e1f23", "sidebar": "#17181b", "control": "#2a2b30", "hover": "#26272c",
    "card": "#25262b", "code_background": "#1a1b1f", "plan_current": "#1d2640",
    "list_hover": "#24252a", "list_selected": "#2e3036", "tool_hover": "#2e3036",
    "user_card": "#232a3d", "user_card_border": "#2f3854",
    "text": "#e8e8ec", "text_soft": "#d4d4d8", "text_body": "#c9cad1", "headline": "#c9cad1",
    "secondary": "#a9abb3", "muted": "#8e9099", "meta": "#80838c", "faint": "#62646c",
    "disabled": "#4d4f56", "selected_text": "#fafafa",
    "border": "#33343a", "border_strong": "#44464d", "card_border": "#303137",
    "divider": "#2a2b30", "preview_border": "#33343a",
    "primary": "#e8e8ec", "primary_text": "#17181b", "primary_hover": "#c8c9cf",
    "primary_disabled": "#3a3b41", "primary_disabled_text": "#70727a",
    "accent": "#6b9bff", "accent_soft": "#252d45", "accent_border": "#3b4a7a",
    "accent_text": "#b9c6ff",
    "danger": "#f97066", "danger_border": "#7a2e27", "danger_disabled": "#6b3a35",
    "progress": "#e3b341", "warning": "#f0a94b", "success": "#4ade80",
    "caution_background": "#2d2616", "caution_border": "#5c4a22", "caution_text": "#e8c170",
    "no_key_background": "#331c1a", "no_key_border": "#5e2a25", "no_key_text": "#f4a199",
    "end_finished": "#16281e", "end_failed": "#331c1a", "end_neutral": "#26272c",
    "end_budget": "#2d2616",
    "diff_file": "#a9abb3", "diff_hunk": "#67d4e8", "diff_hunk_bg": "#132a30",
    "diff_added": "#86efac", "diff_added_bg": "#15291d", "diff_removed": "#fca5a5",
    "diff_removed_bg": "#361b1a",
    "tooltip": "#e8e8ec", "tooltip_text": "#17181b",
    "code_block": "#141518", "code_border": "#3a3b41", "code_header": "#9a9ca6",
    "code_header_background": "#1c1d21", "code_inline": "#2c2d33", "quote": "#9a9ca6",
})
STATUS_HUES = MappingProxyType({
    # tool calls
    "running": "accent", "waiting": "warning", "ok": "success", "error": "danger",
    "denied": "danger", "stopped": "muted",
    # runs
    "finished": "success", "failed": "danger", "cancelled": "muted",
    "budget_exhausted": "warning", "interrupted": "muted",
    # plan items
    "pending": "faint", "in_progress": "accent", "done": "success",
})
END_HUES = MappingProxyType({
    "finished": "end_finished", "failed": "end_failed", "cancelled": "end_neutral",
    "budget_exhausted": "end_budget", "interrupted": "end_neutral",
})
DIFF_HUES = MappingProxyType({
    # kind: (text, line background)
    "file": ("diff_file", None), "hunk": ("diff_hunk", "diff_hunk_bg"),
    "added": ("diff_added", "diff_added_bg"), "removed": ("diff_removed", "diff_removed_bg"),
    "context": ("text_body", None),
})
PLACEHOLDER = re.compile(r"@([a-z_]+)@")


@dataclass(frozen=True)
class Palette:
    """One scheme's colours, by name, as hex (for style sheets) or QColor (for painters)."""

    dark: bool
    names: Mapping[str, str] = field(repr=False)
    _colours: dict[str, QColor] = field(default_factory=dict, repr=False, compare=False)

    @property
    def pygments_style(self) -> str:
        """The pygments style for code tokens; it reads well on `code_block`."""
        return "github-dark" if self.dark else "default"

    def __getitem__(self, name: str) -> str:
        return self.names[name]

    def colour(self, name: str) -> QColor:
        if name not in self._colours:
            self._colours[name] = QColor(self.names[name])
        return self._colours[name]

    def status(self, status: str) -> QColor:
        """The colour of a call's, run's or plan item's status (muted if unknown)."""
        return self.colour(STATUS_HUES.get(status, "muted"))

    def end_background(self, status: str) -> QColor:
        """The band behind a run's final line."""
        return self.colour(END_HUES.get(status, "code_background"))

    def diff(self, kind: str) -> tuple[QColor, QColor | None]:
        """(text, line background or None) of a diff line of `kind`."""
        text, background = DIFF_HUES[kind]
        return self.colour(text), self.colour(background) if background else None

    def fill(self, template: str) -> str:
        """A style sheet template with `@name@` colours and `@resources@` filled in."""
        folder = resources_dir().as_posix()
        return PLACEHOLDER.sub(
            lambda m: folder if m.group(1) == "resources" else self.names[m.group(1)], template
        )


PALETTES = {False: Palette(False, LIGHT), True: Palette(True, DARK)}
_in_use = [PALETTES[False]]


def current() -> Palette:
    """The palette of the theme in use (the window's `Theme` chooses it)."""
    return _in_use[0]


def use(dark: bool) -> Palette:
    _in_use[0] = PALETTES[dark]
    return _in_use[0]
