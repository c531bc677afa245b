"""The text/plain part of an HTML mail, made from the HTML itself at the moment of sending.

Every HTML mail the product sends (the quota change, the approval digest, any section an operator
sets to `formatting = html`) goes out as multipart/alternative with a plain part, as mail readers
and spam filters expect. It is derived from the final HTML, after the set-password link has been
put in, so the two parts can never say different things. Tables become aligned columns, links
keep their address, `<pre>` keeps its lines; everything else is paragraphs of text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "li", "hr",
           "ul", "ol", "pre", "blockquote", "html", "body"}  # fmt: skip
_SKIP = {"head", "style", "script", "title"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.line: list[str] = []
        self.pre = 0
        self.skip = 0
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.href: str | None = None
        self.link_text: list[str] = []

    def _break(self) -> None:
        text = "".join(self.line)
        self.line = []
        if not self.pre:
            text = re.sub(r"[ \t\r\n]+", " ", text).strip()
        if text or (self.out and self.out[-1] != ""):
            self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "table":
            self._break()
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_text = []
        elif tag in _BLOCKS:
            self._break()
            if tag == "pre":
                self.pre += 1
            if tag == "li":
                self.line.append("- ")
            if tag == "hr":
                self.out.append("-----")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.rows is not None and self.cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self._table(self.rows)
            self.rows = None
        elif tag == "a":
            shown = "".join(self.link_text).strip()
            if self.href and self.href != shown:
                self._data(f" ({self.href})")
            self.href = None
        elif tag in _BLOCKS:
            self._break()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def _table(self, rows: list[list[str]]) -> None:
        rows = [r for r in rows if r]
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        sizes = [max(len(r[i]) for r in rows) for i in range(width)]
        for row in rows:
            self.out.append("  ".join(c.ljust(s) for c, s in zip(row, sizes, strict=True)).rstrip())

    def _data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        else:
            self.line.append(data)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.href is not None:
            self.link_text.append(data)
        self._data(data)

    def text(self) -> str:
        self._break()
        lines: list[str] = []
        for line in self.out:
            if line == "" and (not lines or lines[-1] == ""):
                continue
            lines.append(line)
        while lines and lines[-1] == "":
            lines.pop()
        return "\n".join(lines) + "\n"


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (entities decoded, tags gone)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.text()
