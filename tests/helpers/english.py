"""English shown to a Vietnamese reader: the comparison both Vietnamese crawls use (the test
client's in tests/core/test_vietnamese_crawl.py, Chromium's in tests/browser/test_vietnamese_browser.py).

A text that is an English msgid of the catalogue (or one of the seeded data texts customers see)
and comes out the same in Vietnamese is English. ``report`` says where each was seen, and which
have no msgstr yet so the translator can fill them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

# Texts the same in both languages: names, brands, codes.
# "English" is the language switcher naming English in English.
SAME_IN_BOTH = {"English", "Email", "OK", "SMS", "Google", "Facebook", "Privacy Portal", "CSV", "JSON", "ID"}


class _Text(HTMLParser):
    """The visible text nodes of a page (not scripts, styles or templates)."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.hidden:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.texts


def english_texts() -> dict[str, bool]:
    """Each English text the catalogue knows, and each seeded English text customers see from
    data (so one not yet in the catalogue counts too) → whether the catalogue has its msgstr."""

    english: dict[str, bool] = {}
    catalogue = Path(settings.LOCALE_PATHS[0]) / "vi" / "LC_MESSAGES" / "django.po"
    for entry in polib.pofile(str(catalogue)):
        if entry.obsolete or entry.msgid_plural:
            continue
        msgid = " ".join(entry.msgid.split())
        if entry.translated() and " ".join(entry.msgstr.split()) == msgid:
            continue  # the same in both languages on purpose
        english[msgid] = entry.translated() or english.get(msgid, False)
    for text in seeded_data_texts():
        english.setdefault(" ".join(text.split()), False)
    return english


def seeded_data_texts() -> list[str]:
    """The English texts stored in rows that reach customers: cookie table cells, jurisdiction
    and authority names, device types, request outcomes."""
    from apps.accounts.models import LoginEvent
    from apps.consent.models import Purpose
    from apps.subject_requests.models import Jurisdiction, SubjectRequest

    texts = [cell for p in Purpose.objects.all() for c in p.cookies for k, cell in c.items() if k != "name"]
    texts += [t for j in Jurisdiction.objects.all() for t in (j.name, j.authority_name)]
    texts += LoginEvent.objects.exclude(device="").values_list("device", flat=True).distinct()
    texts += SubjectRequest.objects.exclude(outcome="").values_list("outcome", flat=True).distinct()
    return [t for t in texts if t]


def english_on(texts: list[str], english: dict[str, bool], *, inside: Sequence[str] = ()) -> list[str]:
    """The texts that are English, and each of ``inside`` (seeded data texts: a jurisdiction's name,
    an outcome) found within a longer text: put into a Vietnamese sentence, it is no text of its own."""
    found = [t for t in texts if t in english and t not in SAME_IN_BOTH and re.search(r"[A-Za-z]{2}", t)]
    joined = "\n".join(texts)
    embedded = []
    for text in inside:
        if len(text) <= 12 or text in found:
            continue
        with translation.override("vi"):
            own = translation.gettext(text)
        # Its own Vietnamese may hold the English ("Bang California (CCPA)"): only the rest counts.
        if text in (joined.replace(own, "") if own != text else joined):
            embedded.append(text)
    return found + embedded


def report(found: dict[str, list[str]], english: dict[str, bool]) -> str:
    """Where each English text was seen, the ones still needing a msgstr listed apart."""
    lines = []
    needing = sorted({t for texts in found.values() for t in texts if not english[t]})
    if needing:
        lines.append("msgids with no Vietnamese yet (fill them in locale/vi):")
        lines += [f"  {t!r}" for t in needing]
    untranslated = {where: [t for t in texts if english[t]] for where, texts in found.items()}
    untranslated = {where: texts for where, texts in untranslated.items() if texts}
    if untranslated:
        lines.append("English shown although the catalogue has its Vietnamese (not translated in code):")
        lines += [f"  {where}: {texts}" for where, texts in untranslated.items()]
    return "\n".join(lines)
