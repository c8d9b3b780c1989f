"""The export's readable pages: one HTML page per category showing the person's rows in plain
language (every value a person can read, every stored file a link), and the "Your rights and
this data" page; all open offline from the unzipped folder, linked with relative paths.

A category page is written while its JSON file is (export/archive.py): the rows are read once
and go to both, the page's rows waiting in a spooled temporary file until the JSON entry is
closed (a ZIP takes one entry at a time).
"""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

PAGES = "pages"
_BODY = "\x00body\x00"
# A page's rows stay in memory up to this size, then go to a temporary file.
SPOOL_MEMORY = 4 * 1024 * 1024


def page_name(code: str) -> str:
    return f"{PAGES}/{code}.html"


def frame(*, title: str, language: str, controller: Any, intro: str = "") -> tuple[str, str]:
    """The page around its rows: (everything before them, everything after)."""
    html = render_to_string(
        "personal_data/export/page.html",
        {"title": title, "language": language, "controller": controller, "intro": intro, "body": _BODY},
    )
    head, _sep, foot = html.partition(_BODY)
    return head, foot


class PageRows:
    """The rows of one page as HTML, spooled until the page's turn to be written into the ZIP."""

    def __init__(self) -> None:
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.yes, self.no = _("yes"), _("no")

    def section(self, *, title: str, purpose: str, labels: list[str], files: set[int]) -> None:
        """Start a source's table; ``files`` are the positions of columns naming a file in the ZIP."""
        self.files = files
        self.write = self.spool.write
        self.write(f"<section>\n<h2>{escape(title)}</h2>\n")
        if purpose:
            self.write(f'<p class="purpose">{escape(_("Why we hold it"))}: {escape(purpose)}</p>\n')
        self.write('<div class="scroll"><table>\n<thead><tr>')
        self.write("".join(f'<th scope="col">{escape(label)}</th>' for label in labels))
        self.write("</tr></thead>\n<tbody>\n")
        self.empty = True

    def row(self, values: list[Any]) -> None:
        self.empty = False
        cells = []
        for position, value in enumerate(values):
            if position in self.files and value:
                link = quote(f"../{value}")
                cells.append(f'<td><a href="{link}">{escape(value.rsplit("/", 1)[-1])}</a></td>')
            else:
                cells.append(f"<td>{self.text(value)}</td>")
        self.write("<tr>" + "".join(cells) + "</tr>\n")

    def end_section(self, *, none: str) -> None:
        self.write("</tbody></table></div>\n")
        if self.empty:
            self.write(f'<p class="none">{escape(none)}</p>\n')
        self.write("</section>\n")

    def text(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        if value is True:
            return self.yes
        if value is False:
            return self.no
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict | list):
            return escape(json.dumps(value, ensure_ascii=False, default=str))
        return escape(str(value))

    def copy_to(self, sink) -> None:
        self.spool.seek(0)
        while chunk := self.spool.read(1024 * 1024):
            sink.write(chunk)
        self.spool.close()
