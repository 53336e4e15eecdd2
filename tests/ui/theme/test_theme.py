"""Light and dark: the style sheet, code highlighting and the task pane follow the theme."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.core import settings
from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.ui.settings.dialog import SettingsDialog
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.theme import palette
from desktop.ui.theme.palette import DARK, LIGHT, PALETTES
from desktop.ui.widgets.render import render_markdown
from tests.ui.chat.helpers import cards, send_and_wait

CODE = "```python\ndef greet(name):\n    return 'hi ' + name\n```"


@pytest.fixture(autouse=True)
def light_afterwards() -> Iterator[None]:
    """Colours are app-wide: leave them light for the tests that follow."""
    yield
    palette.use(False)


def card_html(window: MainWindow) -> str:
    return cards(window)[-1].body.html()


def edge_and_inside(card: QWidget) -> tuple[str, str]:
    """The colours of a card's 1 px border and of the panel just inside it, as painted."""
    image = card.grab().toImage()
    middle = image.height() // 2
    return image.pixelColor(0, middle).name(), image.pixelColor(4, middle).name()


def right_inside(widget: QWidget) -> str:
    """The colour painted just inside a box's right edge, clear of its text."""
    image = widget.grab().toImage()
    return image.pixelColor(image.width() - 6, image.height() // 2).name()


def test_code_blocks_are_coloured_for_the_theme() -> None:
    palette.use(False)
    light = render_markdown(CODE).html
    palette.use(True)
    dark = render_markdown(CODE).html

    assert LIGHT["code_block"] in light and DARK["code_block"] not in light
    assert DARK["code_block"] in dark and LIGHT["code_block"] not in dark
    # pygments' own colours change too, not only the box around them
    box = ("code_block", "code_border", "code_header", "code_header_background")
    strip = [colours[name] for colours in (LIGHT, DARK) for name in box]
    for colour in strip:
        light, dark = light.replace(colour, ""), dark.replace(colour, "")
    assert light != dark


def test_switching_theme_in_settings_restyles_the_window(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI
) -> None:
    fake_api.add(Turn(text=f"Here:\n\n{CODE}"))
    send_and_wait(qtbot, window, "show me code")
    before = card_html(window)
    assert LIGHT["code_block"] in before
    user_card, reply_card = cards(window)
    assert edge_and_inside(user_card) == (LIGHT["user_card_border"], LIGHT["user_card"])
    search = window.sidebar.search_panel.search_input
    assert right_inside(search) == LIGHT["base"]
    assert edge_and_inside(reply_card) == (LIGHT["card_border"], LIGHT["base"])
    assert LIGHT["base"] in QApplication.instance().styleSheet()  # type: ignore[union-attr]

    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(QDialog, "settingsDialog")
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    dialog.theme_picker.setCurrentIndex(dialog.theme_picker.findData("dark"))
    with qtbot.waitSignal(window.theme.changed):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    after = card_html(window)
    assert after != before
    assert edge_and_inside(reply_card) == (DARK["card_border"], DARK["base"])
    assert right_inside(search) == DARK["base"]  # the sidebar's widgets follow too
    assert DARK["code_block"] in after and LIGHT["code_block"] not in after
    sheet = QApplication.instance().styleSheet()  # type: ignore[union-attr]
    assert DARK["base"] in sheet and LIGHT["base"] not in sheet
    assert window.task_pane is not None
    assert DARK["base"] in window.task_pane.styleSheet()
    assert palette.current().colour("text").name() == DARK["text"]
    assert json.loads(settings.config_path().read_text())["theme"] == "dark"


def test_system_mode_follows_the_desktop_and_a_choice_overrides_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    hints = QApplication.styleHints()
    assert window.theme.mode == "system" and not window.theme.dark
    try:
        with qtbot.waitSignal(window.theme.changed):
            hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what the desktop sends
        assert window.theme.dark and palette.current() is PALETTES[True]

        window.theme.set_mode("light")
        assert not window.theme.dark and palette.current() is PALETTES[False]
        with qtbot.assertNotEmitted(window.theme.changed):
            hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert not window.theme.dark
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)


def test_the_current_plan_step_is_marked_in_the_themes_colour(qtbot: QtBot) -> None:
    from desktop.core.events import PlanItem
    from desktop.ui.task.plan_view import PlanView

    palette.use(True)
    view = PlanView()
    qtbot.addWidget(view)
    view.show_plan((PlanItem("Read it", "done"), PlanItem("Fix it", "in_progress")))
    current = view.item(1).background().color().name()
    assert current == DARK["plan_current"]  # not a light band under light text
    assert view.item(1).foreground().color().name() == DARK["text"]


def test_dialogs_wear_the_windows_look_not_stock_qt(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(QDialog, "settingsDialog")
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)

    assert right_inside(ok) == LIGHT["primary"]  # the default button, filled as the Send button
    assert right_inside(cancel) == LIGHT["base"]
    assert right_inside(dialog.model_input) == LIGHT["base"]
    dialog.reject()
