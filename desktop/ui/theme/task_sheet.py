"""The task pane's style sheet: its own rules, coloured from the app's palette.

It is set on the pane itself, leaving the app-wide sheet (agentdesk.qss) to the window, and
made again by `pane_sheet()` when the theme changes.
"""

from __future__ import annotations

from desktop.ui.theme.palette import Palette


def pane_sheet(palette: Palette) -> str:
    """The task pane's style sheet in `palette`."""
    return palette.fill(_PANE_TEMPLATE)


_PANE_TEMPLATE = """
#taskPane, #taskIntro, #eventView { background: @base@; }
#taskIntro { color: @headline@; }
#goalArea {
    background: @base@; border: 1px solid @border_strong@; border-radius: 14px;
}
#goalInput { background: transparent; border: none; font-size: 14px; color: @text@; }
#goalInput[readOnly="true"] { color: @text_body@; }
#workspaceButton {
    background: @control@; border: 1px solid @border@; border-radius: 8px;
    padding: 4px 8px; color: @text_soft@; font-size: 12px;
}
#workspaceButton:hover { border-color: @faint@; }
#workspaceButton::menu-button { border: none; width: 18px; }
#runProviderPicker, #runModelPicker {
    background: @control@; border: 1px solid @border@; border-radius: 8px;
    padding: 4px 8px; color: @text_soft@; font-size: 12px;
}
#runProviderPicker::drop-down, #runModelPicker::drop-down { border: none; width: 18px; }
#runProviderPicker::down-arrow, #runModelPicker::down-arrow {
    image: url(@resources@/chevron-down.svg); width: 12px; height: 12px;
}
#budgetLabel, #budgetSummary { color: @muted@; font-size: 12px; }
#maxStepsInput, #maxCostInput, #maxWallInput {
    background: @base@; border: 1px solid @border@; border-radius: 6px;
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
    background: @base@; color: @danger@; border: 1px solid @danger_border@; border-radius: 8px;
    padding: 6px 14px; font-weight: 600;
}
#stopButton:disabled { color: @danger_disabled@; }
#newTaskButton {
    background: @base@; color: @text_soft@; border: 1px solid @border_strong@; border-radius: 8px;
    padding: 6px 14px; font-weight: 600;
}
#newTaskButton:hover { border-color: @faint@; }
#taskError { color: @danger@; font-size: 12px; padding: 0 6px; }
#planHeader, #timelineHeader { color: @muted@; font-size: 11px; font-weight: 600; }
#planView { background: transparent; border: none; outline: none; font-size: 13px; }
#runBadge { font-size: 12px; font-weight: 600; }
#runStatus { color: @secondary@; font-size: 12px; }
#retryNotice { color: @progress@; font-size: 12px; }
#statusBar { border-top: 1px solid @divider@; }
#taskDivider { background: @divider@; border: none; min-height: 1px; max-height: 1px; }
#approvalCard {
    background: @base@; border: 1px solid @caution_border@; border-radius: 8px;
}
#approvalTitle { font-weight: 600; color: @text@; }
#approvalKey { color: @secondary@; }
#approvalState { color: @warning@; font-weight: 600; font-size: 12px; }
#approvalQuestion { color: @text_body@; }
#approvalPreview {
    background: @code_background@; border: 1px solid @preview_border@; border-radius: 6px;
    color: @text_soft@;
}
#denyReasonInput {
    background: @base@; border: 1px solid @border@; border-radius: 6px; padding: 4px 6px;
    color: @text@;
}
#approveButton {
    background: @primary@; color: @primary_text@; border: none; border-radius: 8px;
    padding: 6px 16px; font-weight: 600;
}
#approveButton:hover { background: @primary_hover@; }
#alwaysButton, #denyButton {
    background: @base@; border: 1px solid @border_strong@; border-radius: 8px;
    padding: 6px 12px; color: @text_soft@; font-weight: 600;
}
#denyButton { color: @danger@; border-color: @danger_border@; }
#alwaysButton:hover, #denyButton:hover { background: @hover@; }
#replayBar { background: transparent; }
#replayPosition { color: @muted@; font-size: 12px; }
#filesButton {
    background: transparent; border: none; color: @muted@; font-size: 12px; padding: 0;
    text-align: left;
}
#filesButton:hover, #liveFilesButton:hover { color: @accent@; text-decoration: underline; }
#liveFilesButton { background: transparent; border: none; color: @muted@; font-size: 12px; }
#replayBack, #replayForward, #forkButton, #exportButton, #compareButton, #rewindButton,
#sentButton {
    background: @card@; color: @text@; border: 1px solid @border@;
    border-radius: 7px; padding: 3px 10px;
}
#replayBack:hover, #replayForward:hover, #forkButton:hover, #exportButton:hover,
#compareButton:hover, #rewindButton:hover, #sentButton:hover { border-color: @muted@; }
#replayBack:disabled, #replayForward:disabled, #rewindButton:disabled { color: @border@; }
#forkButton { font-weight: 600; }
"""
