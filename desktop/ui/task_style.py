"""The task pane's colours and style sheet, matching the app's light theme (agentdesk.qss).

The painted parts (timeline cards, plan icons, run badges) read the same palette as the
style sheet, so a status has one colour everywhere. The sheet is set on the pane and the run
list themselves (see run_list.py), leaving the app-wide sheet to the window.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

TEXT = QColor("#18181b")
MUTED = QColor("#71717a")
FAINT = QColor("#a1a1aa")
BORDER = QColor("#e4e4e7")
CARD = QColor("#ffffff")
CODE_BACKGROUND = QColor("#fafafa")
LINK = QColor("#2563eb")

STATUS_COLOURS: dict[str, QColor] = {
    # tool calls
    "running": QColor("#2563eb"),
    "waiting": QColor("#b45309"),
    "ok": QColor("#15803d"),
    "error": QColor("#b42318"),
    "denied": QColor("#b42318"),
    "stopped": QColor("#71717a"),
    # runs
    "finished": QColor("#15803d"),
    "failed": QColor("#b42318"),
    "cancelled": QColor("#71717a"),
    "budget_exhausted": QColor("#b45309"),
    "interrupted": QColor("#71717a"),
    # plan items
    "pending": QColor("#a1a1aa"),
    "in_progress": QColor("#2563eb"),
    "done": QColor("#15803d"),
}
END_BACKGROUNDS: dict[str, QColor] = {
    "finished": QColor("#ecfdf3"),
    "failed": QColor("#fef3f2"),
    "cancelled": QColor("#f4f4f5"),
    "budget_exhausted": QColor("#fffaeb"),
    "interrupted": QColor("#f4f4f5"),
}
DIFF_COLOURS: dict[str, tuple[QColor, QColor | None]] = {
    # kind: (text, line background)
    "file": (QColor("#52525b"), None),
    "hunk": (QColor("#0e7490"), QColor("#ecfeff")),
    "added": (QColor("#166534"), QColor("#e6f6ea")),
    "removed": (QColor("#b42318"), QColor("#fdecea")),
    "context": (QColor("#3f3f46"), None),
}


def status_colour(status: str) -> QColor:
    return STATUS_COLOURS.get(status, MUTED)


TASK_PANE_SHEET = """
#taskPane, #taskIntro, #eventView { background: #ffffff; }
#goalArea {
    background: #ffffff; border: 1px solid #d4d4d8; border-radius: 14px;
}
#goalInput { background: transparent; border: none; font-size: 14px; color: #18181b; }
#goalInput[readOnly="true"] { color: #3f3f46; }
#workspaceButton {
    background: #f4f4f5; border: 1px solid #e4e4e7; border-radius: 8px;
    padding: 4px 8px; color: #27272a; font-size: 12px;
}
#workspaceButton:hover { border-color: #a1a1aa; }
#workspaceButton::menu-button { border: none; width: 18px; }
#budgetLabel, #budgetSummary { color: #71717a; font-size: 12px; }
#maxStepsInput, #maxCostInput, #maxWallInput {
    background: #ffffff; border: 1px solid #e4e4e7; border-radius: 6px;
    padding: 2px 6px; font-size: 12px; color: #27272a; min-width: 56px;
}
#maxStepsInput::up-button, #maxStepsInput::down-button,
#maxCostInput::up-button, #maxCostInput::down-button,
#maxWallInput::up-button, #maxWallInput::down-button {
    subcontrol-origin: border; width: 0; height: 0; border: none;
}
#runButton {
    background: #18181b; color: #ffffff; border: none; border-radius: 8px;
    padding: 6px 18px; font-weight: 600;
}
#runButton:hover { background: #3f3f46; }
#runButton:disabled { background: #d4d4d8; color: #fafafa; }
#stopButton {
    background: #ffffff; color: #b42318; border: 1px solid #e3b0a8; border-radius: 8px;
    padding: 6px 14px; font-weight: 600;
}
#stopButton:disabled { color: #d4a29b; }
#newTaskButton {
    background: #ffffff; color: #27272a; border: 1px solid #d4d4d8; border-radius: 8px;
    padding: 6px 14px; font-weight: 600;
}
#newTaskButton:hover { border-color: #a1a1aa; }
#taskError { color: #b42318; font-size: 12px; padding: 0 6px; }
#planHeader, #timelineHeader { color: #71717a; font-size: 11px; font-weight: 600; }
#planView { background: transparent; border: none; outline: none; font-size: 13px; }
#runBadge { font-size: 12px; font-weight: 600; }
#runStatus { color: #52525b; font-size: 12px; }
#retryNotice { color: #9a6700; font-size: 12px; }
#statusBar { border-top: 1px solid #f0f0f2; }
#taskDivider { background: #f0f0f2; border: none; min-height: 1px; max-height: 1px; }
#approvalCard {
    background: #ffffff; border: 1px solid #f3d9a4; border-radius: 8px;
}
#approvalTitle { font-weight: 600; color: #18181b; }
#approvalKey { color: #52525b; }
#approvalState { color: #b45309; font-weight: 600; font-size: 12px; }
#approvalQuestion { color: #3f3f46; }
#approvalPreview {
    background: #fafafa; border: 1px solid #ececef; border-radius: 6px; color: #27272a;
}
#denyReasonInput {
    background: #ffffff; border: 1px solid #e4e4e7; border-radius: 6px; padding: 4px 6px;
}
#approveButton {
    background: #18181b; color: #ffffff; border: none; border-radius: 8px;
    padding: 6px 16px; font-weight: 600;
}
#approveButton:hover { background: #3f3f46; }
#alwaysButton, #denyButton {
    background: #ffffff; border: 1px solid #d4d4d8; border-radius: 8px;
    padding: 6px 12px; color: #27272a; font-weight: 600;
}
#denyButton { color: #b42318; border-color: #e3b0a8; }
#alwaysButton:hover, #denyButton:hover { background: #fafafa; }
"""
