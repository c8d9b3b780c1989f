"""/unsubscribe/<token>/: the link in every marketing email and its one-click address (P-11, P-12).

GET only asks: link scanners and previews fetch links, and must not unsubscribe anyone. A POST
whose whole body is ``List-Unsubscribe=One-Click`` is a mail client's one-click request (RFC
8058): it arrives with no cookies and no CSRF token, so CSRF is waived for that body alone.
Any other POST is the confirmation page's form and goes through the ordinary CSRF check.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.consent.models import ConsentEvent
from apps.consent.selectors.marketing import UnsubscribeRequest, marketing_purposes_on, unsubscribe_token_read
from apps.consent.services.ledger import Context
from apps.consent.services.marketing import marketing_unsubscribe

ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


def _is_one_click(request: HttpRequest) -> bool:
    # Providers send it form-encoded or as multipart; either way exactly this one field.
    return not request.FILES and {key: request.POST.getlist(key) for key in request.POST} == {
        ONE_CLICK_FIELD: [ONE_CLICK_VALUE]
    }


def _checked_view(request: HttpRequest) -> HttpResponse:
    """Stands for the view in the CSRF check below: a view that is not exempt."""
    return HttpResponse()


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """The CSRF middleware's verdict on a view that is exempt only for the one-click body."""
    return CsrfViewMiddleware(_checked_view).process_view(request, _checked_view, (), {})


def _subject_to_act_for(found: UnsubscribeRequest) -> User | None:
    """The token's account, if it may still be unsubscribed; None if it cannot."""
    # A closed or erased account gets no marketing: there is nothing to switch off, and a new
    # ledger row would tie an erased account to a choice again.
    subject = found.subject
    if subject is not None and subject.is_active and subject.status == User.Status.ACTIVE:
        return subject
    return None


def _page_language(request: HttpRequest, found: UnsubscribeRequest) -> str:
    """The email's language, unless the visitor chose one on this site (cookie or sign-in)."""
    if found.subject is None or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or request.user.is_authenticated:
        return translation.get_language() or settings.LANGUAGE_CODE
    return found.subject.preferred_language or settings.LANGUAGE_CODE


def _bad_token(request: HttpRequest) -> HttpResponse:
    message = _(
        "This unsubscribe link is not valid: it may have been cut short or changed. Copy the whole link "
        "from the email, or change your choices in Your Account → Privacy choices."
    )
    return render(request, "consent/unsubscribe/invalid.html", {"message": message}, status=400)


@csrf_exempt  # for the RFC 8058 body only: every other POST is checked in the view
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_token_read(token)
    if request.method == "POST" and _is_one_click(request):
        if found is None:
            return HttpResponse(_("This unsubscribe link is not valid."), status=400, content_type="text/plain")
        if (subject := _subject_to_act_for(found)) is not None:
            marketing_unsubscribe(
                subject=subject,
                purpose=found.purpose,
                everything=False,
                context=Context.from_request(request, ConsentEvent.Method.ONE_CLICK),
            )
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain")
    if request.method == "POST" and (refusal := _csrf_refusal(request)) is not None:
        return refusal
    if found is None:
        return _bad_token(request)
    with translation.override(_page_language(request, found)):
        subject = _subject_to_act_for(found)
        if subject is None:
            return render(request, "consent/unsubscribe/closed.html")
        if request.method == "POST":
            scope = request.POST.get("scope")
            if scope not in ("purpose", "all"):
                return render(request, "400.html", {"message": _("Choose what to unsubscribe from.")}, status=400)
            marketing_unsubscribe(
                subject=subject,
                purpose=found.purpose,
                everything=scope == "all",
                context=Context.from_request(request, ConsentEvent.Method.UNSUBSCRIBE_LINK),
            )
            return render(
                request, "consent/unsubscribe/done.html", {"everything": scope == "all", "purpose": found.purpose}
            )
        on = marketing_purposes_on(subject)
        context = {
            "purpose": found.purpose,
            "purpose_on": found.purpose is not None and found.purpose in on,
            "others_on": [p for p in on if p != found.purpose],
        }
        return render(request, "consent/unsubscribe/confirm.html", context)
