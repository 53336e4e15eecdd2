"""Message text -> the HTML subset Qt's rich text engine draws.

Qt rich text has no CSS padding on blocks, no classes and no `<div>` styling, so code blocks are
single-cell tables with inline pygments colours, and every style is inline. markdown-it and
pygments are imported on first use: together they cost ~60 ms that must not delay the first
paint.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import OptionsDict

CODE_STYLE = "default"  # a pygments style whose colours read well on CODE_BACKGROUND
CODE_BACKGROUND = "#f6f8fa"
CODE_BORDER = "#d8dee4"
CODE_HEADER = "#57606a"
CODE_HEADER_BACKGROUND = "#eef1f4"
INLINE_CODE_BACKGROUND = "#eff1f3"
MONO = "'JetBrains Mono', 'Cascadia Code', 'DejaVu Sans Mono', Menlo, Consolas, monospace"
HEADING_SIZES = {1: "x-large", 2: "large", 3: "medium", 4: "medium", 5: "small", 6: "small"}
COPY_SCHEME = "copy:"


@dataclass(frozen=True)
class Rendered:
    """HTML for one message, and the raw code of each block its `copy:N` links refer to."""

    html: str
    code_blocks: tuple[str, ...] = ()


def preload() -> None:
    """Import the Markdown stack now, before another thread starts importing (see sdk_import)."""
    _markdown()
    highlight("x = 1", "python")


def render_markdown(text: str) -> Rendered:
    """Markdown (commonmark + tables + strikethrough) with highlighted, copyable code blocks."""
    env: dict[str, Any] = {"code_blocks": []}
    body = _markdown().render(text, env)
    return Rendered(body, tuple(env["code_blocks"]))


def render_plain(text: str) -> Rendered:
    """What the user typed, shown verbatim: no Markdown, whitespace kept, lines wrapped."""
    escaped = html.escape(text).replace("\n", "<br>")
    return Rendered(f'<p style="white-space: pre-wrap">{escaped}</p>')


def copy_index(link: str) -> int | None:
    """The code-block index a `copy:N` link points at, or None for any other link."""
    if not link.startswith(COPY_SCHEME):
        return None
    number = link.removeprefix(COPY_SCHEME)
    return int(number) if number.isdigit() else None


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)
    md.add_render_rule("code_inline", _code_inline)
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("blockquote_open", _blockquote_open)
    return md


def _fence(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    token = tokens[idx]
    code = token.content.removesuffix("\n")
    language = token.info.split(maxsplit=1)[0] if token.info.strip() else ""
    blocks: list[str] = env.setdefault("code_blocks", [])
    blocks.append(code)
    return code_block_html(code, language, len(blocks) - 1)


def code_block_html(code: str, language: str, index: int) -> str:
    """A bordered box: a header (language, Copy link) over the highlighted code."""
    label = html.escape(language or "code")
    small = f'style="color: {CODE_HEADER}; font-size: small"'
    header = (
        f'<table width="100%" cellspacing="0" cellpadding="0" border="0"><tr>'
        f"<td {small}>{label}</td>"
        f'<td align="right" {small}><a href="{COPY_SCHEME}{index}">Copy</a></td>'
        f"</tr></table>"
    )
    return (
        f'<table width="100%" cellspacing="0" cellpadding="8" border="1"'
        f' style="border-collapse: collapse; border-style: solid; border-color: {CODE_BORDER};'
        f' background-color: {CODE_BACKGROUND}; margin-top: 6px; margin-bottom: 6px">'
        f'<tr><td style="background-color: {CODE_HEADER_BACKGROUND}">{header}</td></tr>'
        f'<tr><td><pre style="font-family: {MONO}; white-space: pre-wrap; margin: 0">'
        f"{highlight(code, language)}</pre></td></tr></table>"
    )


def highlight(code: str, language: str) -> str:
    """Pygments spans with inline colours; unknown languages come back escaped, uncoloured."""
    from pygments import highlight as pygments_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return html.escape(code)
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style=CODE_STYLE)
    return pygments_highlight(code, lexer, formatter).removesuffix("\n")


def _code_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    code = html.escape(tokens[idx].content)
    style = f"font-family: {MONO}; background-color: {INLINE_CODE_BACKGROUND}"
    return f'<code style="{style}">&nbsp;{code}&nbsp;</code>'


def _heading_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    level = int(tokens[idx].tag[1])
    return f'<{tokens[idx].tag} style="font-size: {HEADING_SIZES[level]}">'


def _table_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    return (
        '<table border="1" cellspacing="0" cellpadding="6"'
        f' style="border-collapse: collapse; border-style: solid; border-color: {CODE_BORDER}">'
    )


def _blockquote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    return '<blockquote style="color: #57606a">'
