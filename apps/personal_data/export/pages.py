"""The export's readable pages: one HTML page per category showing the person's rows in plain
language (every value a person can read, every stored file a link), and the "Your rights and
this data" page; all open offline from the unzipped folder, linked with relative paths.

A category page is written while its JSON file is (export/archive.py): the rows are read once
and go to both, the page's rows waiting in a spooled temporary file until the JSON entry is
closed (a ZIP takes one entry at a time).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.core.text import data_text
from apps.personal_data.export.spool import Spool

PAGES = "pages"
_BODY = "\x00body\x00"
_PAGER = "\x00pager\x00"


def page_name(code: str) -> str:
    return f"{PAGES}/{code}.html"


def frame(*, title: str, language: str, controller: Any, intro: str = "") -> tuple[str, str]:
    """The page around its rows: (everything before them, everything after), with a place for
    each page's previous/next links (see ``framed``). Rendered once for all of a category's pages."""
    html = render_to_string(
        "personal_data/export/page.html",
        {
            "title": title,
            "language": language,
            "controller": controller,
            "intro": intro,
            "body": _BODY,
            "pager": _PAGER,
        },
    )
    head, _sep, foot = html.partition(_BODY)
    return head, foot


def framed(head: str, foot: str, *, code: str, number: int, count: int) -> tuple[str, str]:
    """``frame``'s head and foot for the ``number``-th of ``count`` pages of category ``code``."""
    links = pager(code, number, count)
    return head.replace(_PAGER, links), foot.replace(_PAGER, links)


# What a column holds, for showing it: each kind has its own formatter, chosen once per column.
TEXT, WHEN, YES_NO, STRUCTURED, FILE = "text", "when", "yes_no", "structured", "file"
# A code from a fixed list (a field's choices) or a text our code writes in English
# (PersonalField.seeded_text): shown in the reader's language where the catalogue has it
# ("succeeded" → "thành công"), the CSV and JSON keeping it as stored.
CODE = "code"


# Text inside an element needs only these three escaped.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    # Most values have nothing to escape: three substring tests cost less than the translation.
    if "&" in text or "<" in text or ">" in text:
        return text.translate(_ESCAPES)
    return text


def _when(value: Any) -> str:
    # An ISO 8601 time (the export converts every time once, for every format) shown the way
    # people write it: "2026-03-01 14:05:09 UTC".
    if not value:
        return ""
    text = str(value)
    if len(text) < 19 or text[10] != "T":
        return escape(text, quote=False)
    zone = " UTC" if text.endswith(("+00:00", "Z")) else ""
    return f"{text[:10]} {text[11:19]}{zone}"


def _structured(value: Any) -> str:
    if value is None or value == "":
        return ""
    return escape(json.dumps(value, ensure_ascii=False, default=str), quote=False)


def _file(value: Any) -> str:
    if not value:
        return ""
    return f'<a href="{quote(f"../{value}")}">{escape(value.rsplit("/", 1)[-1], quote=False)}</a>'


def _text_column(column: list[Any]) -> list[Any]:
    # One join tells whether any cell of the column is other than text or needs escaping;
    # most columns are text with nothing to escape and are used as they are.
    try:
        joined = "\x1f".join(column)
    except TypeError:
        return list(map(_text, column))
    if "&" in joined or "<" in joined or ">" in joined:
        return list(map(_text, column))
    return column


def _when_column(column: list[Any]) -> list[str]:
    # Times in UTC (nearly all) without a call per cell; any other as ``_when`` shows it.
    if set(map(type, column)) != {str}:
        return list(map(_when, column))
    return [f"{t[:10]} {t[11:19]} UTC" if t[10:11] == "T" and t.endswith("+00:00") else _when(t) for t in column]


def _code_column(column: list[Any]) -> list[Any]:
    # Few distinct codes however many rows: each is looked up once.
    shown = {value: _text(data_text(value)) for value in set(column)}
    return [shown[value] for value in column]


def _each(formatter: Callable[[Any], str]) -> Callable[[list[Any]], list[str]]:
    return lambda column: list(map(formatter, column))


# A readable page file holds at most this many rows: a category of a hundred thousand sign-ins
# is a hundred pages a browser opens at once, not one file it struggles with.
PAGE_ROWS = 1000


def part_name(code: str, number: int) -> str:
    """The file of a category's ``number``-th page: ``pages/usage.html``, ``pages/usage-2.html``..."""
    return page_name(code) if number == 1 else f"{PAGES}/{code}-{number}.html"


def pager(code: str, number: int, count: int) -> str:
    """The previous/next links and "page N of M" line of one page of a category ("" for one page)."""
    if count < 2:
        return ""
    here = escape(_("Page %(number)s of %(count)s") % {"number": number, "count": count})
    links = []
    if number > 1:
        href = quote(part_name(code, number - 1).rsplit("/", 1)[-1])
        links.append(f'<a rel="prev" href="{href}">{escape(_("Previous page"))}</a>')
    links.append(f'<span aria-current="page">{here}</span>')
    if number < count:
        href = quote(part_name(code, number + 1).rsplit("/", 1)[-1])
        links.append(f'<a rel="next" href="{href}">{escape(_("Next page"))}</a>')
    return f'<nav class="pager" aria-label="{escape(_("Pages"))}">' + " · ".join(links) + "</nav>\n"


class PageRows:
    """The rows of one category's readable pages as HTML, spooled until their turn to be
    written into the ZIP: a new page file every ``PAGE_ROWS`` rows (a table cut by a page break
    goes on, under its heading, on the next page).

    Rows come a batch at a time as columns: each column is formatted by its kind's formatter
    (chosen once per section), and the batch's rows are put together by one format string."""

    def __init__(self, page_rows: int = PAGE_ROWS) -> None:
        # One spool for all the pages (memory stays flat however many), cut where each begins.
        self.spool = Spool()
        self.write = self.spool.write
        self.starts = [0]
        self.page_rows = page_rows
        self.on_page = 0
        yes, no = _("yes"), _("no")
        self.formatters: dict[str, Callable[[list[Any]], list[Any]]] = {
            TEXT: _text_column,
            CODE: _code_column,
            WHEN: _when_column,
            STRUCTURED: _each(_structured),
            FILE: _each(_file),
            YES_NO: lambda column: ["" if value is None else (yes if value else no) for value in column],
        }

    def _new_part(self) -> None:
        self.starts.append(self.spool.mark())
        self.on_page = 0

    def section(self, *, title: str, purpose: str, labels: list[str], kinds: list[str] | None = None) -> None:
        """Start a source's table; ``kinds`` says what each column holds (TEXT by default). The
        table's head is written with its first row: a source with none says so instead."""
        self.cells = [self.formatters[kind] for kind in (kinds or [TEXT] * len(labels))]
        self.template = "<tr><td>" + "</td><td>".join(["%s"] * len(labels)) + "</td></tr>\n"
        self.title = f"<section>\n<h2>{escape(title)}</h2>\n"
        self.write(self.title)
        if purpose:
            self.write(f'<p class="purpose">{escape(_("Why we hold it"))}: {escape(purpose)}</p>\n')
        self.head = (
            '<div class="scroll"><table>\n<thead><tr>'
            + "".join(f'<th scope="col">{escape(label)}</th>' for label in labels)
            + "</tr></thead>\n<tbody>\n"
        )
        self.empty = True

    def row(self, values: list[Any]) -> None:
        self.rows([[value] for value in values])

    def rows(self, columns: list[list[Any]]) -> None:
        """A batch of rows, given as its columns (all of one length, one per label)."""
        if not columns or not columns[0]:
            return
        cells = [cell(column) for cell, column in zip(self.cells, columns, strict=True)]
        html = list(map(self.template.__mod__, zip(*cells, strict=True)))
        start = 0
        while start < len(html):
            if self.on_page >= self.page_rows:
                # The page is full: its table ends here and goes on on the next page.
                self.write("</tbody></table></div>\n</section>\n")
                self._new_part()
                self.write(self.title)
                self.empty = True
            if self.empty:
                self.write(self.head)
                self.empty = False
            end = start + self.page_rows - self.on_page
            self.write("".join(html[start:end]))
            self.on_page += len(html[start:end])
            start = end

    def end_section(self, *, none: str) -> None:
        if self.empty:
            self.write(f'<p class="none">{escape(none)}</p>\n')
        else:
            self.write("</tbody></table></div>\n")
        self.write("</section>\n")

    @property
    def count(self) -> int:
        """How many page files the rows fill."""
        return len(self.starts)

    def copy_to(self, sink, number: int = 1) -> None:
        """Write the ``number``-th page's rows (from 1) into ``sink``; pages are written in order."""
        last = number == self.count
        end = None if last else self.starts[number]
        self.spool.copy_to(sink, self.starts[number - 1], end, last=last)
