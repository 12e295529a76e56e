"""The one Markdown writer of the tools: text escaped for Markdown and tables of plain-text cells."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#!~])")


def md(value: str) -> str:
    """Text safe in Markdown, in a table cell too: no markup, no raw HTML, no line breaks."""
    escaped = html.escape(value, quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped).replace("\r", " ").replace("\n", " ")


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table of plain-text cells, every cell escaped, followed by a blank line."""
    lines = ["| " + " | ".join(md(cell) for cell in header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n"
