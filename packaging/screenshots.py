"""Make the README's screenshots: the real window, offscreen, driven through the demo model.

    python packaging/screenshots.py [--out docs] [--theme light|dark] [--width 1200]

It builds the window as `agentdesk --demo` does, in a throwaway data folder (no keyring, no
key, no network), sends one chat message, runs the demo task (the sample project's failing
test) and saves `chat.png` and `task.png`, the latter with the edit's approval card and its
diff on screen (names get a `-dark` suffix for the dark theme). PNGs are
written at the highest compression and scaled down until they fit MAX_BYTES.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 150_000
WINDOW_HEIGHT = 780
CHAT_MESSAGE = "How do I greet someone in Python? Keep it short."
WAIT_S = 20.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--width", type=int, default=1200, help="window width in pixels")
    return parser.parse_args()


def isolate(home: Path) -> None:
    """A fresh data folder and no credentials: the shots show the demo, nothing personal.
    HOME is the throwaway folder too, so the workspace shows under ~ on every run."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["HOME"] = str(home.parent)
    os.environ["AGENTDESK_HOME"] = str(home)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        os.environ.pop(name, None)


async def until(done: object, what: str) -> None:
    """Wait (keeping the loop running) until `done()` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not done():  # type: ignore[operator]
        if loop.time() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await asyncio.sleep(0.05)


def save(widget: object, path: Path) -> None:
    """The widget as a PNG of at most MAX_BYTES, scaled down in steps if need be."""
    from PySide6.QtCore import Qt

    pixmap = widget.grab()  # type: ignore[attr-defined]
    width = pixmap.width()
    while True:
        shot = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        shot.save(str(path), "PNG", 0)  # quality 0: the strongest PNG compression
        if path.stat().st_size <= MAX_BYTES or width < 400:
            break
        width = int(width * 0.85)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
          f"{shot.width()}x{shot.height()}, {path.stat().st_size // 1024} KB")


async def shoot(window: object, out: Path, suffix: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from desktop.ui.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    chat, composer = window.controller, window.composer
    assert chat is not None
    await until(lambda: chat.model == "demo", "the demo model")
    composer.chat_input.setPlainText(CHAT_MESSAGE)
    QTest.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    await until(lambda: chat.busy, "the reply to start")
    await until(lambda: not chat.busy, "the reply to finish")
    await asyncio.sleep(0.3)  # the last render and scroll
    save(window, out / f"chat{suffix}.png")

    pane, tasks = window.task_pane, window.task_controller
    assert pane is not None and tasks is not None
    window.tabs.setCurrentWidget(pane)
    QTest.mouseClick(pane.demo_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(pane.goal_area.run_button, Qt.MouseButton.LeftButton)
    await until(lambda: pane.run_id is not None, "the run to start")
    timeline = pane.timeline.model()
    await until(lambda: timeline.pending_row() is not None, "the edit's approval")
    await asyncio.sleep(0.5)  # the diff's render and the scroll to it
    save(window, out / f"task{suffix}.png")
    asked: list[str] = []
    for _ in range(2):  # the edit, then the test command

        def new_question() -> bool:
            row = timeline.pending_row()
            return row is not None and timeline.entries[row].call_id not in asked

        await until(new_question, "an approval")
        asked.append(timeline.entries[timeline.pending_row()].call_id)
        tasks.approve(pane.run_id, asked[-1])
    await until(lambda: not tasks.running(), "the run to finish")


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="agentdesk-shots-") as temp:
        isolate(Path(temp) / "home")
        import qasync

        from desktop.core import settings
        from desktop.core.store.database import Store
        from desktop.ui.app import create_application
        from desktop.ui.shell.main_window import MainWindow

        settings.save(settings.Settings(theme=args.theme))
        app = create_application()
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        window = MainWindow(demo=True)
        window.resize(args.width, WINDOW_HEIGHT)
        window.show()
        store = Store(Path(temp) / "shots.db")
        try:
            window.attach(store)
            args.out.mkdir(parents=True, exist_ok=True)
            suffix = "-dark" if args.theme == "dark" else ""
            loop.run_until_complete(shoot(window, args.out, suffix))
        finally:
            loop.run_until_complete(window.aclose())
            window.close()
            store.close()
            loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
