"""The cookie banner's choice, the cookie settings page and /.well-known/gpc.json (P-13).

Both pages work without JavaScript: plain forms posting with CSRF, then a redirect back to
a same-site ``next``. Bad input (an unknown category or action, a ``next`` pointing elsewhere)
is a 400 and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.consent.domain.cookies import CHOICE_CATEGORIES, GPC_LAST_UPDATE
from apps.consent.middleware import consent_for, has_gpc, remember_choice
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.selectors.cookies import cookie_purposes
from apps.consent.services.cookies import cookie_choice_save
from apps.consent.services.ledger import Context

BANNER_CHOICES = ("accept", "reject")
SETTINGS_ACTIONS = ("save", "accept", "reject")


class BadInput(Exception):
    pass


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "400.html", {"message": message, "hide_cookie_banner": True}, status=400)


def _next_url(request: HttpRequest, value: str | None, default: str) -> str:
    """A same-site path to return to; anything else is refused (not silently replaced)."""
    if value in (None, ""):
        return default
    if len(value) > 2000 or not value.startswith("/") or value.startswith("//") or "\\" in value:
        raise BadInput
    same_site = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not same_site:
        raise BadInput
    return value


def _signed_in(request: HttpRequest):
    """The signed-in customer, who chooses for their account; None for a visitor."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _save(request: HttpRequest, accepted: dict[str, bool], method: str, next_url: str) -> HttpResponse:
    try:
        choice = cookie_choice_save(
            consent=consent_for(request),
            accepted=accepted,
            context=Context.from_request(request, method),
            actor=_signed_in(request),
            gpc=has_gpc(request),
            source_page=urlsplit(next_url).path,
        )
    except ValidationError as error:
        return _bad_request(request, " ".join(error.messages))
    response = redirect(next_url)
    remember_choice(request, response, choice)
    return response


@require_POST
def cookie_choose(request: HttpRequest) -> HttpResponse:
    """The banner: "Accept all" or "Reject all", then back where the visitor was."""
    choice = request.POST.get("choice", "")
    if choice not in BANNER_CHOICES:
        return _bad_request(request, _("That cookie choice does not exist."))
    try:
        next_url = _next_url(request, request.POST.get("next"), "/")
    except BadInput:
        return _bad_request(request, _("That return address is not on this site."))
    accepted = {category: choice == "accept" for category in CHOICE_CATEGORIES}
    return _save(request, accepted, ConsentEvent.Method.COOKIE_BANNER, next_url)


@dataclass(frozen=True)
class CategorySection:
    category: str
    purpose: Purpose
    cookies: list[dict]
    always_on: bool
    accepted: bool
    gpc_honoured: bool


def _cookie_rows(purpose: Purpose) -> list[dict]:
    listed = purpose.cookies if isinstance(purpose.cookies, list) else []
    keys = ("name", "provider", "duration", "purpose")
    return [{k: str(c.get(k, "")) for k in keys} for c in listed if isinstance(c, dict)]


@never_cache
@require_http_methods(["GET", "POST"])
def cookie_settings(request: HttpRequest) -> HttpResponse:
    """One section per cookie category, its cookies in a table, a switch for each optional one."""
    consent = consent_for(request)
    settings_url = reverse("consent:cookie_settings")
    source = request.POST if request.method == "POST" else request.GET
    try:
        next_url = _next_url(request, source.get("next"), "")
    except BadInput:
        return _bad_request(request, _("That return address is not on this site."))
    if request.method == "POST":
        action = request.POST.get("action") or "save"
        ticked = request.POST.getlist("category")
        if action not in SETTINGS_ACTIONS or any(c not in CHOICE_CATEGORIES for c in ticked):
            return _bad_request(request, _("That cookie choice does not exist."))
        if action == "save":
            accepted = {c: c in ticked for c in CHOICE_CATEGORIES}
        else:
            accepted = {c: action == "accept" for c in CHOICE_CATEGORIES}
        return _save(request, accepted, ConsentEvent.Method.COOKIE_SETTINGS, next_url or f"{settings_url}?saved=1")

    choice = consent.choice
    sections = [
        CategorySection(
            category=category,
            purpose=purpose,
            cookies=_cookie_rows(purpose),
            always_on=category == "necessary",
            accepted=category == "necessary" or bool(choice and choice.allows(category)),
            gpc_honoured=category == "marketing" and consent.gpc,
        )
        for category, purpose in cookie_purposes().items()
    ]
    context = {
        "sections": sections,
        "consent": consent,
        "next": next_url,
        "saved": request.GET.get("saved") == "1" and not consent.needs_asking,
        "hide_cookie_banner": True,  # this page offers the same choices, and more
    }
    return render(request, "consent/cookies/settings.html", context)


@require_GET
def gpc_json(request: HttpRequest) -> JsonResponse:
    """Tells user agents that this site honours Global Privacy Control (the GPC specification)."""
    response = JsonResponse({"gpc": True, "lastUpdate": GPC_LAST_UPDATE})
    response["Cache-Control"] = "public, max-age=86400"
    return response
