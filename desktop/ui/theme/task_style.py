"""The task pane's colours and style sheet, in the app's light and dark themes.

The painted parts (timeline cards, plan icons, run badges) read the same palette as the
style sheet, so a status has one colour everywhere. The colours below are shared objects that
`use_theme` recolours in place, so painters that imported them draw in the new theme at their
next repaint; the style sheet is re-made by `pane_sheet()`. The sheet is set on the pane and the
run list themselves, leaving the app-wide sheet to the window (see theme.py).
"""

from __future__ import annotations

import re
from types import MappingProxyType

from PySide6.QtGui import QColor

from desktop.core.paths import resources_dir

TEXT = QColor()
MUTED = QColor()
FAINT = QColor()
BORDER = QColor()
CARD = QColor()
CODE_BACKGROUND = QColor()
LINK = QColor()
ROW_SELECTED = QColor()
ROW_HOVER = QColor()
PLAN_CURRENT = QColor()

STATUS_COLOURS: dict[str, QColor] = {
    status: QColor()
    for status in (
        # tool calls
        "running", "waiting", "ok", "error", "denied", "stopped",
        # runs
        "finished", "failed", "cancelled", "budget_exhausted", "interrupted",
        # plan items
        "pending", "in_progress", "done",
    )
}
END_BACKGROUNDS: dict[str, QColor] = {
    status: QColor() for status in ("finished", "failed", "cancelled", "budget_exhausted",
                                    "interrupted")
}
DIFF_COLOURS: dict[str, tuple[QColor, QColor | None]] = {
    # kind: (text, line background)
    "file": (QColor(), None),
    "hunk": (QColor(), QColor()),
    "added": (QColor(), QColor()),
    "removed": (QColor(), QColor()),
    "context": (QColor(), None),
}

_NAMED = {
    "TEXT": TEXT, "MUTED": MUTED, "FAINT": FAINT, "BORDER": BORDER, "CARD": CARD,
    "CODE_BACKGROUND": CODE_BACKGROUND, "LINK": LINK, "ROW_SELECTED": ROW_SELECTED,
    "ROW_HOVER": ROW_HOVER, "PLAN_CURRENT": PLAN_CURRENT,
}
LIGHT = MappingProxyType({
    "TEXT": "#18181b", "MUTED": "#71717a", "FAINT": "#a1a1aa", "BORDER": "#e4e4e7",
    "CARD": "#ffffff", "CODE_BACKGROUND": "#fafafa", "LINK": "#2563eb",
    "ROW_SELECTED": "#e0e0e5", "ROW_HOVER": "#e9e9ec", "PLAN_CURRENT": "#eff4ff",
    "blue": "#2563eb", "amber": "#b45309", "green": "#15803d", "red": "#b42318",
    "grey": "#71717a", "light_grey": "#a1a1aa",
    "end_finished": "#ecfdf3", "end_failed": "#fef3f2", "end_neutral": "#f4f4f5",
    "end_budget": "#fffaeb",
    "diff_file": "#52525b", "diff_hunk": "#0e7490", "diff_hunk_bg": "#ecfeff",
    "diff_added": "#166534", "diff_added_bg": "#e6f6ea", "diff_removed": "#b42318",
    "diff_removed_bg": "#fdecea", "diff_context": "#3f3f46",
    # the sheet's own colours
    "pane": "#ffffff", "headline": "#3b3f47", "control": "#f4f4f5", "border_strong": "#d4d4d8",
    "text_soft": "#27272a", "primary": "#18181b", "primary_text": "#ffffff",
    "primary_hover": "#3f3f46", "primary_disabled": "#d4d4d8", "primary_disabled_text": "#fafafa",
    "danger_border": "#e3b0a8", "danger_disabled": "#d4a29b", "hover": "#fafafa",
    "status_text": "#52525b", "retry": "#9a6700", "divider": "#f0f0f2",
    "approval_border": "#f3d9a4", "approval_key": "#52525b", "approval_question": "#3f3f46",
    "preview_border": "#ececef",
})
DARK = MappingProxyType({
    "TEXT": "#e8e8ec", "MUTED": "#8e9099", "FAINT": "#62646c", "BORDER": "#33343a",
    "CARD": "#25262b", "CODE_BACKGROUND": "#1a1b1f", "LINK": "#6b9bff",
    "ROW_SELECTED": "#2e3036", "ROW_HOVER": "#24252a", "PLAN_CURRENT": "#1d2640",
    "blue": "#6b9bff", "amber": "#f0a94b", "green": "#4ade80", "red": "#f97066",
    "grey": "#8e9099", "light_grey": "#62646c",
    "end_finished": "#16281e", "end_failed": "#331c1a", "end_neutral": "#26272c",
    "end_budget": "#2d2616",
    "diff_file": "#a9abb3", "diff_hunk": "#67d4e8", "diff_hunk_bg": "#132a30",
    "diff_added": "#86efac", "diff_added_bg": "#15291d", "diff_removed": "#fca5a5",
    "diff_removed_bg": "#361b1a", "diff_context": "#c9cad1",
    "pane": "#1e1f23", "headline": "#c9cad1", "control": "#2a2b30", "border_strong": "#44464d",
    "text_soft": "#d4d4d8", "primary": "#e8e8ec", "primary_text": "#17181b",
    "primary_hover": "#c8c9cf", "primary_disabled": "#3a3b41", "primary_disabled_text": "#70727a",
    "danger_border": "#7a2e27", "danger_disabled": "#6b3a35", "hover": "#26272c",
    "status_text": "#a9abb3", "retry": "#e3b341", "divider": "#2a2b30",
    "approval_border": "#5c4a22", "approval_key": "#a9abb3", "approval_question": "#c9cad1",
    "preview_border": "#33343a",
})
_STATUS_HUES = {
    "running": "blue", "waiting": "amber", "ok": "green", "error": "red", "denied": "red",
    "stopped": "grey", "finished": "green", "failed": "red", "cancelled": "grey",
    "budget_exhausted": "amber", "interrupted": "grey", "pending": "light_grey",
    "in_progress": "blue", "done": "green",
}
_END_HUES = {
    "finished": "end_finished", "failed": "end_failed", "cancelled": "end_neutral",
    "budget_exhausted": "end_budget", "interrupted": "end_neutral",
}
_current = [LIGHT]


def status_colour(status: str) -> QColor:
    return STATUS_COLOURS.get(status, MUTED)


def use_theme(dark: bool) -> None:
    """Recolour every shared colour in place for the light or the dark theme."""
    colours = DARK if dark else LIGHT
    _current[0] = colours
    for name, colour in _NAMED.items():
        colour.setRgba(QColor(colours[name]).rgba())
    for status, colour in STATUS_COLOURS.items():
        colour.setRgba(QColor(colours[_STATUS_HUES[status]]).rgba())
    for status, colour in END_BACKGROUNDS.items():
        colour.setRgba(QColor(colours[_END_HUES[status]]).rgba())
    for kind, (text, background) in DIFF_COLOURS.items():
        text.setRgba(QColor(colours[f"diff_{kind}"]).rgba())
        if background is not None:
            background.setRgba(QColor(colours[f"diff_{kind}_bg"]).rgba())


def pane_sheet() -> str:
    """The task pane's style sheet in the current theme."""
    colours = {**_current[0], "RESOURCES": resources_dir().as_posix()}
    return re.sub(r"@([A-Za-z_]+)@", lambda match: colours[match.group(1)], _PANE_TEMPLATE)


_PANE_TEMPLATE = """
#taskPane, #taskIntro, #eventView { background: @pane@; }
#taskIntro { color: @headline@; }
#goalArea {
    background: @pane@; border: 1px solid @border_strong@; border-radius: 14px;
}
#goalInput { background: transparent; border: none; font-size: 14px; color: @TEXT@; }
#goalInput[readOnly="true"] { color: @diff_context@; }
#workspaceButton {
    background: @control@; border: 1px solid @BORDER@; border-radius: 8px;
    padding: 4px 8px; color: @text_soft@; font-size: 12px;
}
#workspaceButton:hover { border-color: @FAINT@; }
#workspaceButton::menu-button { border: none; width: 18px; }
#runProviderPicker, #runModelPicker {
    background: @control@; border: 1px solid @BORDER@; border-radius: 8px;
    padding: 4px 8px; color: @text_soft@; font-size: 12px;
}
#runProviderPicker::drop-down, #runModelPicker::drop-down { border: none; width: 18px; }
#runProviderPicker::down-arrow, #runModelPicker::down-arrow {
    image: url(@RESOURCES@/chevron-down.svg); width: 12px; height: 12px;
}
#budgetLabel, #budgetSummary { color: @MUTED@; font-size: 12px; }
#maxStepsInput, #maxCostInput, #maxWallInput {
    background: @pane@; border: 1px solid @BORDER@; border-radius: 6px;
    padding: 2px 6px; font-size: 12px; color: @text_soft@; min-width: 56px;
}
#maxStepsInput::up-button, #maxStepsInput::down-button,
#maxCostInput::up-button, #maxCostInput::down-button,
#maxWallInput::up-button, #maxWallInput::down-button {
    subcontrol-origin: border; width: 0; height: 0; border: none;
}
#runButton {
    background: @primary@; color: @primary_text@; border: none; border-radius: 8px;
    padding: 6px 18px; font-weight: 600;
}
#runButton:hover { background: @primary_hover@; }
#runButton:disabled { background: @primary_disabled@; color: @primary_disabled_text@; }
#stopButton {
    background: @pane@; color: @red@; border: 1px solid @danger_border@; border-radius: 8px;
    padding: 6px 14px; font-weight: 600;
}
#stopButton:disabled { color: @danger_disabled@; }
#newTaskButton {
    background: @pane@; color: @text_soft@; border: 1px solid @border_strong@; border-radius: 8px;
    padding: 6px 14px; font-weight: 600;
}
#newTaskButton:hover { border-color: @FAINT@; }
#taskError { color: @red@; font-size: 12px; padding: 0 6px; }
#planHeader, #timelineHeader { color: @MUTED@; font-size: 11px; font-weight: 600; }
#planView { background: transparent; border: none; outline: none; font-size: 13px; }
#runBadge { font-size: 12px; font-weight: 600; }
#runStatus { color: @status_text@; font-size: 12px; }
#retryNotice { color: @retry@; font-size: 12px; }
#statusBar { border-top: 1px solid @divider@; }
#taskDivider { background: @divider@; border: none; min-height: 1px; max-height: 1px; }
#approvalCard {
    background: @pane@; border: 1px solid @approval_border@; border-radius: 8px;
}
#approvalTitle { font-weight: 600; color: @TEXT@; }
#approvalKey { color: @approval_key@; }
#approvalState { color: @amber@; font-weight: 600; font-size: 12px; }
#approvalQuestion { color: @approval_question@; }
#approvalPreview {
    background: @CODE_BACKGROUND@; border: 1px solid @preview_border@; border-radius: 6px;
    color: @text_soft@;
}
#denyReasonInput {
    background: @pane@; border: 1px solid @BORDER@; border-radius: 6px; padding: 4px 6px;
    color: @TEXT@;
}
#approveButton {
    background: @primary@; color: @primary_text@; border: none; border-radius: 8px;
    padding: 6px 16px; font-weight: 600;
}
#approveButton:hover { background: @primary_hover@; }
#alwaysButton, #denyButton {
    background: @pane@; border: 1px solid @border_strong@; border-radius: 8px;
    padding: 6px 12px; color: @text_soft@; font-weight: 600;
}
#denyButton { color: @red@; border-color: @danger_border@; }
#alwaysButton:hover, #denyButton:hover { background: @hover@; }
#replayBar { background: transparent; }
#replayPosition, #filesTouched { color: @MUTED@; font-size: 12px; }
#replayBack, #replayForward, #forkButton, #exportButton, #compareButton {
    background: @CARD@; color: @TEXT@; border: 1px solid @BORDER@;
    border-radius: 7px; padding: 3px 10px;
}
#replayBack:hover, #replayForward:hover, #forkButton:hover, #exportButton:hover,
#compareButton:hover { border-color: @MUTED@; }
#replayBack:disabled, #replayForward:disabled { color: @BORDER@; }
#forkButton { font-weight: 600; }
"""
use_theme(False)
