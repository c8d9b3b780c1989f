"""Reads for notifications: the authority's document, drafted from the register (Art. 33(3))."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from apps.breaches.models import Breach, BreachClock
from apps.breaches.selectors.people import latest_affected_set
from apps.personal_data.registry import Category, controller


def people_notice_texts(breach: Breach, language: str) -> dict[str, str]:
    """The people's notice's own words in ``language``: the Vietnamese text where one is written,
    else the English (the register's consequences and measures are written in English first)."""
    vietnamese = language.startswith("vi")

    def pick(vi: str, en: str) -> str:
        return vi if vietnamese and vi.strip() else en

    return {
        "summary": pick(breach.notice_summary_vi, breach.notice_summary_en),
        "advice": pick(breach.notice_advice_vi, breach.notice_advice_en),
        "consequences": pick(breach.consequences_vi, breach.consequences),
        "measures_taken": pick(breach.measures_taken_vi, breach.measures_taken),
        "measures_proposed": pick(breach.measures_proposed_vi, breach.measures_proposed),
    }


def authority_document_context(breach: Breach, clock: BreachClock | None = None) -> dict:
    """Every item Art. 33(3) asks for, from the register: (a) the nature of the breach with the
    categories and approximate numbers of people and records, (b) the contact point, (c) the
    likely consequences, (d) the measures taken or proposed; with the times and, when late, the
    reasons for the delay (Art. 33(1)), and earlier phases (Art. 33(4))."""
    affected = latest_affected_set(breach)
    labels = dict(Category.choices)
    return {
        "breach": breach,
        "clock": clock,
        "controller": controller(),
        "categories": [str(labels.get(code, code)) for code in breach.categories],
        "people": affected.total if affected is not None else breach.approx_people,
        "people_counted": affected is not None,
        "by_jurisdiction": affected.by_jurisdiction if affected is not None else {},
        "assessment": breach.assessments.first(),
        "submissions": list(breach.submissions.filter(clock=clock)) if clock is not None else [],
    }


def authority_document_text(breach: Breach, clock: BreachClock | None = None) -> str:
    """The document as plain text, kept with each submission as what was sent (in English:
    the register's language)."""
    with translation.override("en"):
        return render_to_string("breaches/authority_document.txt", authority_document_context(breach, clock))
