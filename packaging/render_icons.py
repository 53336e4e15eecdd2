"""Render the app icon PNGs from `resources/icons/agentdesk.svg`, and pack Windows/macOS icons.

The SVG is the one source of truth: the PNGs are committed (the app, the .desktop file and
the hicolor theme need raster sizes) but always regenerated from it with Qt's own SVG
renderer, so no Inkscape or ImageMagick is needed. The `.ico` and `.icns` files are never
committed; `--ico`/`--icns` pack them from the committed PNGs (plain PNG-compressed entries,
which Windows Vista+ and macOS 10.7+ read), so the Windows and macOS builds need nothing
beyond the standard library. `--iconset` writes the folder Apple's `iconutil` expects.

    QT_QPA_PLATFORM=offscreen python packaging/render_icons.py          # rewrite the PNGs
    python packaging/render_icons.py --ico build/icons/agentdesk.ico    # Windows icon
    python packaging/render_icons.py --icns build/icons/agentdesk.icns  # macOS icon
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[1]
ICON_DIR = ROOT / "resources" / "icons"
SVG = ICON_DIR / "agentdesk.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 32, 48, 64, 128, 256)  # the format stops at 256
# macOS type codes for PNG payloads: (code, pixel size). The @2x codes reuse larger PNGs.
ICNS_TYPES = (
    ("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512),
    ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512),
)  # fmt: skip
# iconutil's file names: (name, pixel size)
ICONSET = (
    ("icon_16x16.png", 16), ("icon_16x16@2x.png", 32), ("icon_32x32.png", 32),
    ("icon_32x32@2x.png", 64), ("icon_128x128.png", 128), ("icon_128x128@2x.png", 256),
    ("icon_256x256.png", 256), ("icon_256x256@2x.png", 512), ("icon_512x512.png", 512),
)  # fmt: skip


def png_path(size: int, icon_dir: Path = ICON_DIR) -> Path:
    return icon_dir / f"agentdesk-{size}.png"


def render(size: int, svg: Path = SVG) -> QImage:
    """The SVG drawn into a transparent square image; needs a QGuiApplication to exist."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def render_pngs(svg: Path = SVG, icon_dir: Path = ICON_DIR) -> list[Path]:
    """Write agentdesk-<size>.png for every size; returns the paths written."""
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    written = []
    for size in SIZES:
        path = png_path(size, icon_dir)
        if not render(size, svg).save(str(path), "PNG", 0):  # quality 0: smallest file
            raise OSError(f"could not write {path}")
        written.append(_strip_png(path))
    return written


def _strip_png(path: Path) -> Path:
    """Drop Qt's text chunks and recompress at level 9: smaller, and stable across Qt builds."""
    data = path.read_bytes()
    chunks = list(_png_chunks(data))
    header = next(body for kind, body in chunks if kind == b"IHDR")
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    out = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(pixels, 9))]
    out.append(_chunk(b"IEND", b""))
    path.write_bytes(b"".join(out))
    return path


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def pack_ico(out: Path, icon_dir: Path = ICON_DIR) -> Path:
    """A multi-size Windows .ico whose entries are the committed PNGs."""
    images = [png_path(size, icon_dir).read_bytes() for size in ICO_SIZES]
    offset = 6 + 16 * len(images)
    header = struct.pack("<HHH", 0, 1, len(images))
    entries = b""
    for size, data in zip(ICO_SIZES, images, strict=True):
        side = size % 256  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(header + entries + b"".join(images))
    return out


def pack_icns(out: Path, icon_dir: Path = ICON_DIR) -> Path:
    """A macOS .icns whose entries are the committed PNGs."""
    body = b""
    for code, size in ICNS_TYPES:
        data = png_path(size, icon_dir).read_bytes()
        body += code.encode("ascii") + struct.pack(">I", 8 + len(data)) + data
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)
    return out


def write_iconset(folder: Path, icon_dir: Path = ICON_DIR) -> Path:
    """The `.iconset` folder for `iconutil -c icns`, Apple's own packer."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in ICONSET:
        shutil.copyfile(png_path(size, icon_dir), folder / name)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ico", type=Path, help="write a Windows .ico here (from the PNGs)")
    parser.add_argument("--icns", type=Path, help="write a macOS .icns here (from the PNGs)")
    parser.add_argument("--iconset", type=Path, help="write an iconutil .iconset folder here")
    args = parser.parse_args(argv)
    packing = {args.ico: pack_ico, args.icns: pack_icns, args.iconset: write_iconset}
    packing.pop(None, None)
    if not packing:
        for path in render_pngs():
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size:>6} bytes")
    for target, pack in packing.items():
        print(pack(target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
