"""The package map holds: who may import whom, how big a module may grow, how flat ui/ may be.

Imports are read with `ast` (those inside functions and TYPE_CHECKING blocks too), so a lazy
import cannot slip a dependency past the rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import imported_modules

ROOT = Path(__file__).resolve().parents[1] / "desktop"
FEATURES = ("chat", "task", "review", "settings")
SHARED = ("shell", "widgets", "theme")
MAX_LINES = 500
MAX_UI_ROOT_MODULES = 8


def modules(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "__pycache__" not in p.parts)


def ui_package(name: str) -> str | None:
    """'task' for desktop.ui.task.pane; None outside desktop.ui's packages."""
    parts = name.split(".")
    return parts[2] if parts[:2] == ["desktop", "ui"] and len(parts) > 2 else None


def package_of(path: Path) -> str:
    return path.relative_to(ROOT / "ui").parts[0]


def test_core_imports_neither_qt_nor_the_ui_nor_the_commands() -> None:
    banned = ("PySide6", "qasync", "desktop.ui", "desktop.commands", "desktop.cli")
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(ROOT / "core")
        for name in imported_modules(path)
        if name.startswith(banned)
    ]
    assert found == []


@pytest.mark.parametrize("package", [*FEATURES, *SHARED])
def test_ui_packages_import_each_other_only_through_shell_widgets_and_theme(
    package: str,
) -> None:
    allowed = {
        "theme": {"theme"},
        "widgets": {"widgets", "theme"},
        "shell": {*FEATURES, *SHARED},
    }.get(package, {package, *SHARED})
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(ROOT / "ui" / package)
        for name in imported_modules(path)
        if (other := ui_package(name)) is not None and other not in allowed
        and other not in {"app", "__init__"}
    ]
    assert found == []


def test_no_module_grows_past_the_limit() -> None:
    long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in modules(ROOT)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == []


def test_the_ui_is_in_feature_packages_not_flat() -> None:
    loose = [p.name for p in (ROOT / "ui").glob("*.py")]
    assert len(loose) <= MAX_UI_ROOT_MODULES, loose
    packages = {p.name for p in (ROOT / "ui").iterdir() if (p / "__init__.py").exists()}
    assert packages == {*FEATURES, *SHARED}
