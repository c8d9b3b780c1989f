"""Reading a page's markup as assistive technology does."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.described: list[tuple[str, str]] = []  # (the element's name or id, the ids it names)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids[values["id"]] += 1
        if values.get("aria-describedby"):
            who = values.get("name") or values.get("id") or tag
            self.described.append((who, values["aria-describedby"]))


def describedby_problems(page: str) -> list[str]:
    """Every aria-describedby that names an id missing from the page, and every id used twice."""
    parser = _Ids()
    parser.feed(page)
    problems = [
        f"{who} → {ref}: no such id" for who, refs in parser.described for ref in refs.split() if not parser.ids[ref]
    ]
    problems += [f"id {name} appears {count} times" for name, count in parser.ids.items() if count > 1]
    return problems


def described_by(page: str) -> dict[str, list[str]]:
    """Each element's name (or id) → the ids its aria-describedby names."""
    parser = _Ids()
    parser.feed(page)
    return {who: refs.split() for who, refs in parser.described}


def element_text(page: str, element_id: str) -> str:
    """The text inside the element with that id ("" when there is none)."""

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag, attrs):
            if self.depth:
                self.depth += 1
            elif dict(attrs).get("id") == element_id:
                self.depth = 1

        def handle_endtag(self, tag):
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):
            if self.depth:
                self.parts.append(data)

    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())
