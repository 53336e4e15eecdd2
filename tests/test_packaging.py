"""Packaging: the PyInstaller spec, the freedesktop entry, the icons, and (slow) a real build.

PyInstaller is not a dev dependency, so the spec is read with `ast` rather than run: its
constants are plain literals, and what a frozen build would miss (a hidden import that does
not exist, a data folder that moved, an excluded module the app starts importing) is
checked against this environment instead. The real build runs only with AGENTDESK_SLOW=1.
"""

from __future__ import annotations

import ast
import configparser
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tests.imports import imported_modules

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "agentdesk.spec"
DESKTOP_FILE = ROOT / "resources" / "agentdesk.desktop"
PNG_BUDGET = 200_000  # bytes, all sizes together


def _load(name: str, path: Path) -> ModuleType:
    """A script from packaging/ (not a package, and `packaging` is also a PyPI name)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ICONS = _load("agentdesk_render_icons", PACKAGING / "render_icons.py")


def spec_constants() -> dict[str, Any]:
    """The spec's top-level `NAME = <literal>` assignments."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    constants[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue  # computed at build time
    return constants


SPEC_CONSTANTS = spec_constants()


def _covers(excluded: str, module: str) -> bool:
    return module == excluded or module.startswith(excluded + ".")


# -- the spec -------------------------------------------------------------------------------


def test_spec_compiles_and_builds_a_one_folder_app() -> None:
    source = SPEC.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(SPEC))
    compile(tree, str(SPEC), "exec")
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= called
    assert SPEC_CONSTANTS["NAME"] == "agentdesk"
    assert "SPECPATH" in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


@pytest.mark.parametrize(
    "module", SPEC_CONSTANTS["HIDDEN_IMPORTS"] + SPEC_CONSTANTS["COLLECT_SUBMODULES"]
)
def test_spec_hidden_imports_exist(module: str) -> None:
    importlib.import_module(module)


def test_spec_data_paths_exist_where_the_app_looks() -> None:
    from desktop.ui import app

    datas = dict(SPEC_CONSTANTS["DATAS"])
    for source in datas:
        assert (ROOT / source).exists(), source
    # app.py looks beside the package root, which the frozen build maps to the bundle's top.
    resources = app.RESOURCES.relative_to(ROOT).as_posix()
    assert datas.get(resources) == resources
    assert app.STYLESHEET.is_file() and (app.ICONS / "agentdesk-256.png").is_file()


def test_spec_excludes_nothing_the_app_imports() -> None:
    excludes = SPEC_CONSTANTS["EXCLUDES"]
    used = set().union(*(imported_modules(p) for p in (ROOT / "desktop").rglob("*.py")))
    used |= set(SPEC_CONSTANTS["HIDDEN_IMPORTS"] + SPEC_CONSTANTS["COLLECT_SUBMODULES"])
    clashes = sorted(f"{m} (excluded: {e})" for m in used for e in excludes if _covers(e, m))
    assert not clashes


def test_launch_script_runs_the_cli() -> None:
    entry = ROOT / SPEC_CONSTANTS["ENTRY"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(entry), "--help"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: agentdesk")


# -- the desktop entry ----------------------------------------------------------------------


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_matches_the_app(qapp: QApplication) -> None:
    from desktop.ui.app import create_application

    entry = _desktop_entry()
    required = {"Name", "GenericName", "Comment", "Exec", "Icon", "Terminal", "Type"}
    assert required | {"Categories", "Keywords", "StartupWMClass"} <= set(entry)
    assert entry["Name"] == "AgentDesk"
    assert entry["Type"] == "Application"
    assert entry["Terminal"] == "false"
    assert {"Development", "Utility"} <= set(entry["Categories"].split(";"))
    assert entry["Categories"].endswith(";") and entry["Keywords"].endswith(";")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert entry["Exec"].split()[0] in scripts["scripts"]
    assert entry["Icon"] == DESKTOP_FILE.stem == "agentdesk"
    assert (ROOT / "resources" / "icons" / f"{entry['Icon']}.svg").is_file()

    saved = (qapp.applicationName(), qapp.desktopFileName(), qapp.styleSheet())
    try:
        create_application()
        # Wayland matches the app id (desktopFileName), X11 the WM_CLASS class (app name).
        assert qapp.desktopFileName() == DESKTOP_FILE.stem
        assert entry["StartupWMClass"] == qapp.applicationName()
    finally:
        qapp.setApplicationName(saved[0])
        qapp.setDesktopFileName(saved[1])
        qapp.setStyleSheet(saved[2])


def test_desktop_entry_validates() -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate not installed (Debian: desktop-file-utils)")
    result = subprocess.run([validator, str(DESKTOP_FILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the icons ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ICONS.SIZES)
def test_icon_png_has_its_size(size: int) -> None:
    image = QImage(str(ICONS.png_path(size)))
    assert not image.isNull()
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, 0).alpha() == 0  # rounded corner: transparent
    assert image.pixelColor(size // 2, size // 2).alpha() == 255


def test_icon_pngs_are_small() -> None:
    total = sum(ICONS.png_path(size).stat().st_size for size in ICONS.SIZES)
    assert total < PNG_BUDGET


def _rgba(image: QImage) -> bytes:
    return bytes(image.convertToFormat(QImage.Format.Format_RGBA8888).constBits())


def test_svg_renders_and_the_pngs_are_current(qapp: QApplication) -> None:
    size = 48
    rendered = ICONS.render(size)
    pixels = _rgba(rendered)
    opaque = {pixels[i : i + 3] for i in range(0, len(pixels), 4) if pixels[i + 3] == 255}
    assert len(opaque) > 10  # not blank, not one flat colour
    committed = _rgba(QImage(str(ICONS.png_path(size))))
    drift = sum(abs(a - b) for a, b in zip(pixels, committed, strict=True)) / len(pixels)
    assert drift < 3, "the PNGs are stale: run packaging/render_icons.py"


def test_ico_and_icns_pack_every_size(tmp_path: Path, qapp: QApplication) -> None:
    ico = ICONS.pack_ico(tmp_path / "agentdesk.ico").read_bytes()
    count = int.from_bytes(ico[4:6], "little")
    assert ico[:4] == b"\0\0\1\0" and count == len(ICONS.ICO_SIZES)
    for index, size in enumerate(ICONS.ICO_SIZES):
        entry = ico[6 + 16 * index : 22 + 16 * index]
        length, offset = int.from_bytes(entry[8:12], "little"), int.from_bytes(entry[12:], "little")
        image = QImage.fromData(ico[offset : offset + length], "PNG")
        assert (image.width(), entry[0] or 256) == (size, size)

    icns = ICONS.pack_icns(tmp_path / "agentdesk.icns").read_bytes()
    assert icns[:4] == b"icns" and int.from_bytes(icns[4:8], "big") == len(icns)
    pos, found = 8, []
    while pos < len(icns):
        length = int.from_bytes(icns[pos + 4 : pos + 8], "big")
        found.append((icns[pos : pos + 4].decode(), QImage.fromData(icns[pos + 8 : pos + length])))
        pos += length
    assert [(code, image.width()) for code, image in found] == list(ICONS.ICNS_TYPES)


# -- the real build -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.skipif(
    os.environ.get("AGENTDESK_SLOW") != "1",
    reason="runs PyInstaller (minutes, may pip-install it); CI skips it, AGENTDESK_SLOW=1 runs it",
)
def test_build_script_freezes_a_working_app(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "BUILD_DIR": str(tmp_path / "build"),
        "DIST_DIR": str(tmp_path / "dist"),
    }
    result = subprocess.run(
        ["bash", str(PACKAGING / "build.sh")], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for check in ("agentdesk --help", "agentdesk --demo chat hello", "window started"):
        assert f"ok: {check}" in result.stdout
    app = tmp_path / "dist" / "agentdesk"
    assert (app / "agentdesk").is_file()
    assert (app / "share/applications/agentdesk.desktop").is_file()
    for size in ICONS.SIZES:
        assert (app / f"share/icons/hicolor/{size}x{size}/apps/agentdesk.png").is_file()
