"""Message text -> the HTML subset Qt's rich text engine draws.

Qt rich text has no CSS padding on blocks, no classes and no `<div>` styling, so code blocks are
single-cell tables with inline pygments colours, and every style is inline. The colours come
from the palette in use (light or dark, chosen by the window's theme), so a message is
re-rendered when the theme changes. markdown-it and pygments are imported on first
use: together they cost ~60 ms that must not delay the first paint.
"""

from __future__ import annotations

import functools
import html
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.ui.theme.palette import current

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import OptionsDict

MONO = "'JetBrains Mono', 'Cascadia Code', 'DejaVu Sans Mono', Menlo, Consolas, monospace"
HEADING_SIZES = {1: "x-large", 2: "large", 3: "medium", 4: "medium", 5: "small", 6: "small"}
COPY_SCHEME = "copy:"
COMMON_LANGUAGES = (
    "bash", "javascript", "typescript", "json", "sql", "html", "css", "yaml", "toml", "rust",
    "go", "java", "c", "cpp", "diff",
)
CHUNK_CHARS = 700  # laid out in ~1 ms; a 20,000-character label takes ~150 ms


@dataclass(frozen=True)
class Rendered:
    """HTML for one message, and the raw code of each block its `copy:N` links refer to."""

    html: str
    code_blocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A piece of a message's text (its pieces join up to the text) and how it renders."""

    source: str
    rendered: Rendered


def preload() -> None:
    """Import the Markdown stack now, before another thread starts importing (see sdk_import)."""
    _markdown()
    highlight("x = 1", "python")


def warm_lexers() -> None:
    """Load the lexers replies use most. Each compiles its regexes on first use, 5–60 ms that
    would otherwise stall the UI the first time a reply shows that language (see sdk_import)."""
    for language in COMMON_LANGUAGES:
        highlight("", language)


def render_markdown(text: str) -> Rendered:
    """Markdown (commonmark + tables + strikethrough) with highlighted, copyable code blocks."""
    env: dict[str, Any] = {"code_blocks": []}
    body = _markdown().render(text, env)
    return Rendered(body, tuple(env["code_blocks"]))


def render_plain(text: str) -> Rendered:
    """What the user typed, shown verbatim: no Markdown, whitespace kept, lines wrapped."""
    escaped = html.escape(text).replace("\n", "<br>")
    return Rendered(f'<p style="white-space: pre-wrap">{escaped}</p>')


def normalized(text: str) -> str:
    """Line ends as markdown-it reads them, so character offsets agree with its line numbers."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def render_chunks(text: str, *, markdown: bool, first_code_block: int = 0) -> list[Chunk]:
    """`text` in pieces of at least CHUNK_CHARS characters (the last may be shorter), each
    rendered on its own, so a long message can be laid out, and re-laid out, piece by piece.

    Markdown is parsed once and cut between top-level blocks, where a piece renders as it does
    inside the whole; plain text is cut after a line. Copy links count on from
    `first_code_block`, the code blocks of the pieces before this text.
    """
    text = normalized(text)
    if not markdown:
        return [Chunk(piece, render_plain(piece.removesuffix("\n"))) for piece in _lines(text)]
    md = _markdown()
    env: dict[str, Any] = {"code_blocks": [], "first_code_block": first_code_block}
    tokens = md.parse(text, env)
    chunks = []
    for source, part in _blocks(text, tokens):
        known = len(env["code_blocks"])
        body = md.renderer.render(tokens[part], md.options, env)
        chunks.append(Chunk(source, Rendered(body, tuple(env["code_blocks"][known:]))))
    return chunks


def _lines(text: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    while (cut := text.find("\n", start + CHUNK_CHARS)) >= 0:
        pieces.append(text[start : cut + 1])
        start = cut + 1
    pieces.append(text[start:])
    return pieces


def _blocks(text: str, tokens: Sequence[Token]) -> Iterator[tuple[str, slice]]:
    """(source, token slice) of each piece, cut where a top-level block starts."""
    lengths = (len(line) + 1 for line in text.split("\n"))
    line_starts = list(itertools.accumulate(lengths, initial=0))
    cuts = [(0, 0)]  # (token index, character offset)
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting >= 0 and token.map and index:
            offset = line_starts[token.map[0]]
            if offset - cuts[-1][1] >= CHUNK_CHARS:
                cuts.append((index, offset))
    cuts.append((len(tokens), len(text)))
    for (first, start), (end, stop) in itertools.pairwise(cuts):
        yield text[start:stop], slice(first, end)


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
    return code_block_html(code, language, env.get("first_code_block", 0) + len(blocks) - 1)


def code_block_html(code: str, language: str, index: int) -> str:
    """A bordered box: a header (language, Copy link) over the highlighted code."""
    theme = current()
    label = html.escape(language or "code")
    small = f'style="color: {theme["code_header"]}; font-size: small"'
    header = (
        f'<table width="100%" cellspacing="0" cellpadding="0" border="0"><tr>'
        f"<td {small}>{label}</td>"
        f'<td align="right" {small}><a href="{COPY_SCHEME}{index}">Copy</a></td>'
        f"</tr></table>"
    )
    return (
        f'<table width="100%" cellspacing="0" cellpadding="8" border="1"'
        f' style="border-collapse: collapse; border-style: solid;'
        f' border-color: {theme["code_border"]}; background-color: {theme["code_block"]};'
        f' margin-top: 6px; margin-bottom: 6px">'
        f'<tr><td style="background-color: {theme["code_header_background"]}">{header}</td></tr>'
        f'<tr><td><pre style="font-family: {MONO}; white-space: pre-wrap; margin: 0">'
        f"{highlight(code, language)}</pre></td></tr></table>"
    )


def highlight(code: str, language: str) -> str:
    """Pygments spans with inline colours; unknown languages come back escaped, uncoloured."""
    return _highlight(code, language, current().pygments_style)


@functools.lru_cache(maxsize=256)  # a streaming reply renders its finished blocks again and again
def _highlight(code: str, language: str, style: str) -> str:
    from pygments import highlight as pygments_highlight
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        known = language.lower() in _builtin_languages()
        lexer = get_lexer_by_name(language) if known else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return html.escape(code)
    return pygments_highlight(code, lexer, _formatter(style)).removesuffix("\n")


@functools.cache
def _builtin_languages() -> frozenset[str]:
    """Pygments' own lexer names. Asked for any other name, pygments scans every installed
    package's entry points for plugins: ~250 ms, hit by every unknown language and by a fence
    caught streaming (```sq before ```sql), so plugin lexers are not looked for."""
    from pygments.lexers import get_all_lexers

    lexers = get_all_lexers(plugins=False)
    return frozenset(alias for _, aliases, _, _ in lexers for alias in aliases)


@functools.cache
def _formatter(style: str) -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(noclasses=True, nowrap=True, style=style)


def _code_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    code = html.escape(tokens[idx].content)
    style = f"font-family: {MONO}; background-color: {current()['code_inline']}"
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
        ' style="border-collapse: collapse; border-style: solid;'
        f' border-color: {current()["code_border"]}">'
    )


def _blockquote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]
) -> str:
    return f'<blockquote style="color: {current()["quote"]}">'
