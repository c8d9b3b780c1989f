"""The public notice of a breach, in the reader's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from apps.breaches.selectors.register import public_notice_get
from apps.core.models import in_language


def notice(request: HttpRequest, reference) -> HttpResponse:
    breach = public_notice_get(reference=reference)
    language = get_language() or "en"
    context = {
        "breach": breach,
        "summary": in_language(breach, "notice_summary", language) or breach.notice_summary_en,
        "advice": in_language(breach, "notice_advice", language) or breach.notice_advice_en,
    }
    return render(request, "breaches/notice.html", context)
