"""The notice beside the Chat and Task tabs that says which model the window talks to, when it
matters.

Hidden with a real key (or a local server, which needs none); in demo mode it says replies are
canned; without a key it says how to add one and offers the demo model on the spot. It sits in
the tabs' own row, no taller than the tabs, so appearing once the keyring has answered (a
moment after the window opens) moves nothing on screen; its tooltip has the whole story.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QWidget,
)

TAB_GAP = 32
"""Room kept free between the last tab and the banner (and its inset)."""
HEIGHT = 24
"""Inside the tab row's 32 px."""
INSET = 12
"""From the row's right end."""
DEMO_TEXT = "Demo model — replies are canned; add a key in Settings (Ctrl+,) to use Claude"
NO_KEY_TEXT = "No API key: add one in Settings (Ctrl+,)"
NO_KEY_TIP = (
    "No API key: add one in Settings (Ctrl+,), set ANTHROPIC_API_KEY, "
    "or restart with `agentdesk --demo`"
)


class ModelBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelBanner")
        self.label = QLabel()
        self.label.setObjectName("modelBannerText")
        self.demo_button = QPushButton("Use demo model")
        self.demo_button.setObjectName("useDemoButton")
        self.demo_button.setAccessibleName("Use demo model")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 0, 3, 0)
        self.setFixedHeight(HEIGHT)
        self._text = ""
        self._host: QTabWidget | None = None
        layout.setSpacing(8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.demo_button)
        self.hide()

    def follow(self, host: QTabWidget) -> None:
        """Float at the right of `host`'s tab row, over nothing the layout places, cutting its
        text short rather than covering the tabs."""
        self._host = host
        self.setParent(host)
        host.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def show_demo(self) -> None:
        self._show("demo", DEMO_TEXT, DEMO_TEXT, offer_demo=False)

    def show_no_key(self) -> None:
        self._show("noKey", NO_KEY_TEXT, NO_KEY_TIP, offer_demo=True)

    def _show(self, kind: str, text: str, tip: str, *, offer_demo: bool) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._text = text
        self.setToolTip(tip)
        self.demo_button.setVisible(offer_demo)
        self.show()
        self.raise_()
        self._fit()

    def _fit(self) -> None:
        """The text, elided to the room the tab row leaves; the banner at the row's right."""
        host = self._host
        room = 10_000
        if host is not None:
            button = self.demo_button
            offered = button.sizeHint().width() if button.isVisibleTo(self) else 0
            taken = host.tabBar().sizeHint().width() + TAB_GAP + offered + INSET + 28
            room = max(0, host.width() - taken)
        metrics = self.label.fontMetrics()
        self.label.setText(metrics.elidedText(self._text, Qt.TextElideMode.ElideRight, room))
        if host is not None:
            self.resize(self.sizeHint().width(), HEIGHT)
            row = host.tabBar().height()
            self.move(host.width() - self.width() - INSET, max(0, (row - HEIGHT) // 2))
