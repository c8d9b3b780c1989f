"""Public pages of subject requests: the form for people without an account, its email confirmation,
and the status page. No sign-in; no personal data shown. (Facebook's data-deletion callback is
views/facebook.py.)

The public form's request exists only once the requester opens the emailed link and confirms
(P-31); the confirmation page never confirms on GET, since mail scanners follow links.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.actors import SystemActor
from apps.core.http import client_ip
from apps.subject_requests.forms.public import ConfirmForm, PublicRequestForm
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.deadlines import extension_limit
from apps.subject_requests.selectors.intents import laws_offered
from apps.subject_requests.selectors.public import request_time_zone, subject_request_get_public
from apps.subject_requests.services.intake import subject_request_confirm
from apps.subject_requests.services.public import public_request_file
from apps.subject_requests.views.requests import active_language

Status = SubjectRequest.Status

# --- Abuse protection: counters in the shared cache, per hour ----------------------------------

WINDOW_SECONDS = 3600
LIMITS = {
    "form-ip": 20,  # public form submissions from one address (IP), valid or not
    "form-email": 3,  # confirmation emails to one email address
    "confirm-ip": 30,  # confirmation attempts from one IP (codes cannot be guessed in bulk)
}


def _client_ip(request: HttpRequest) -> str:
    # The address our trusted proxies vouch for, as allauth's limits use (apps.core.http).
    return client_ip(request) or "unknown"


def _over_limit(kind: str, value: str) -> bool:
    """Count one hit of ``kind`` for ``value``; True once past the hourly limit."""
    digest = hashlib.sha256(value.lower().encode()).hexdigest()[:32]  # no address in the clear in the cache
    # Fixed hourly windows: the window's number is in the key, so a new hour starts at zero by
    # the application's clock, whatever the cache's own expiry clock says (Redis keeps its own).
    window = int(timezone.now().timestamp()) // WINDOW_SECONDS
    key = f"subject_requests:limit:{kind}:{digest}:{window}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count > LIMITS[kind]


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "subject_requests/rate_limited.html", status=429)
    response["Retry-After"] = str(WINDOW_SECONDS)
    return response


# --- The public form ---------------------------------------------------------------------------


def _form_page(request: HttpRequest, form: PublicRequestForm, status: int = 200) -> HttpResponse:
    """The form with the chooser's intents, timed under the law the person picked, or under each
    law when they picked none (a script shows only the picked one's as they choose)."""
    laws = laws_offered()
    chosen = str(form["jurisdiction"].value() or "") if form.is_bound else ""
    context = {
        "form": form,
        # Every law's line is on the page; those of laws not picked are hidden, so the script can
        # show the right one when the person picks another.
        "intent_groups": form.intent_groups(None, each_of=laws),
        "chosen_law": chosen if chosen in {law.code for law in laws} else "",
    }
    return render(request, "subject_requests/public_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def public_request(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, PublicRequestForm())
    if _over_limit("form-ip", _client_ip(request)):
        return _too_many(request)
    form = PublicRequestForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    if _over_limit("form-email", data["email"]):
        return _too_many(request)
    try:
        public_request_file(
            actor=SystemActor("public-form"),
            request_type=data["request_type"],
            email=data["email"],
            name=data["name"],
            jurisdiction=data.get("jurisdiction"),
            details=data.get("details", ""),
            language=active_language(),
            time_zone=data.get("time_zone", ""),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _form_page(request, form, status=400)
    # The same page whatever happened: it never tells whether the address has an account or a request.
    return redirect("subject_requests:public_sent")


@require_GET
def public_request_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "subject_requests/public_sent.html")


# --- Confirmation ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def request_confirm(request: HttpRequest, reference) -> HttpResponse:
    """GET shows the form with the emailed code filled in; only POST confirms."""
    subject_request = subject_request_get_public(reference=reference)
    context = {"subject_request": subject_request, "awaiting": subject_request.status == Status.AWAITING_VERIFICATION}
    if request.method == "GET":
        code = request.GET.get("code", "")[:32]
        context["form"] = ConfirmForm(initial={"code": code})
        return render(request, "subject_requests/confirm.html", context)
    if _over_limit("confirm-ip", _client_ip(request)):
        return _too_many(request)
    form = ConfirmForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, "subject_requests/confirm.html", context, status=400)
    try:
        confirmed = subject_request_confirm(reference=str(subject_request.reference), code=form.cleaned_data["code"])
    except ValidationError as error:
        form.add_error("code", error)
        return render(request, "subject_requests/confirm.html", context, status=400)
    request.session["subject_requests.confirmed"] = str(confirmed.reference)
    return redirect("subject_requests:status", reference=confirmed.reference)


# --- Status ------------------------------------------------------------------------------------


@require_GET
def request_status(request: HttpRequest, reference) -> HttpResponse:
    subject_request = subject_request_get_public(reference=reference)
    just_confirmed = request.session.pop("subject_requests.confirmed", None) == str(subject_request.reference)
    context = {
        "subject_request": subject_request,
        "just_confirmed": just_confirmed,
        # Not before the request is received (confirmed): until then no date runs at all.
        "extension_limit": extension_limit(subject_request)
        if subject_request.is_open and subject_request.status != Status.AWAITING_VERIFICATION
        else None,
    }
    # Signed out or not, the times are the requester's (the page says which zone).
    timezone.activate(request_time_zone(subject_request, public=True))
    response = render(request, "subject_requests/status.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
