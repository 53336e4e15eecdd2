"""The strip above the panes that says which model the window talks to, when it matters.

Hidden with a real key (or a local server, which needs none); in demo mode it says replies are
canned; without a key it says how to add one and offers the demo model on the spot.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

DEMO_TEXT = "Demo model — replies are canned; add a key in Settings (Ctrl+,) to use Claude"
NO_KEY_TEXT = (
    "No API key: add one in Settings (Ctrl+,), set ANTHROPIC_API_KEY, "
    "or restart with `agentdesk --demo`"
)


class ModelBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelBanner")
        self.label = QLabel()
        self.label.setObjectName("modelBannerText")
        self.label.setWordWrap(True)
        self.demo_button = QPushButton("Use demo model")
        self.demo_button.setObjectName("useDemoButton")
        self.demo_button.setAccessibleName("Use demo model")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 12, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.demo_button)
        self.hide()

    def show_demo(self) -> None:
        self._show("demo", DEMO_TEXT, offer_demo=False)

    def show_no_key(self) -> None:
        self._show("noKey", NO_KEY_TEXT, offer_demo=True)

    def _show(self, kind: str, text: str, *, offer_demo: bool) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.demo_button.setVisible(offer_demo)
        self.show()
