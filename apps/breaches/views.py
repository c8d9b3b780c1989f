"""The public notice of a breach, in the reader's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from apps.breaches.selectors.notices import people_notice_texts
from apps.breaches.selectors.register import public_notice_get


def notice(request: HttpRequest, reference) -> HttpResponse:
    breach = public_notice_get(reference=reference)
    language = get_language() or "en"
    context = {"breach": breach, **people_notice_texts(breach, language)}
    return render(request, "breaches/notice.html", context)
