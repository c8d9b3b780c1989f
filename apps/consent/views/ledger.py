"""Your Account → Privacy choices: a switch per purpose, as easy to turn off as on (P-10, P-11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.selectors.ledger import (
    events_for,
    gpc_refused_purpose_ids,
    is_restricted,
    purposes_to_ask,
    states_for,
)
from apps.consent.selectors.policy import current_policy
from apps.consent.services.ledger import Context, consent_record

HISTORY_PER_PAGE = 25


@dataclass(frozen=True)
class ChoiceRow:
    purpose: Purpose
    granted: bool
    changed_at: datetime | None
    method_label: str
    gpc_note: str


def _gpc_note(purpose_id: int, state, gpc_purposes: set[int]) -> str:
    if state is None or purpose_id not in gpc_purposes:
        return ""
    if state.method == ConsentEvent.Method.GPC:
        return _("Global Privacy Control honoured")
    return _("Global Privacy Control overridden by your choice") if state.granted else ""


def _rows(user: User) -> dict[str, list[ChoiceRow]]:
    states = states_for(subject=user)
    gpc_purposes = gpc_refused_purpose_ids(user)
    groups: dict[str, list[ChoiceRow]] = {"marketing": [], "partners": [], "other": []}
    for purpose in purposes_to_ask():
        state = states.get(purpose.pk)
        group = "partners" if purpose.partner_id else "marketing" if purpose.is_marketing else "other"
        groups[group].append(
            ChoiceRow(
                purpose=purpose,
                granted=bool(state and state.granted),
                changed_at=state.changed_at if state else None,
                method_label=state.get_method_display() if state else "",
                gpc_note=_gpc_note(purpose.pk, state, gpc_purposes),
            )
        )
    return groups


# The confirmation of a choice saved without JavaScript, shown beside its switch after the redirect.
SAVED_SESSION_KEY = "consent:choice_saved"


def _wants_json(request: HttpRequest) -> bool:
    """The switch's script (static/js/switches.js) asks for JSON; a plain form POST does not."""
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_http_methods(["GET", "POST"])
def choices(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # login_required
    if request.method == "POST":
        purpose = purposes_to_ask().filter(code=request.POST.get("purpose", "")).first()
        wanted = request.POST.get("granted")
        if purpose is None or wanted not in ("0", "1"):
            message = _("That choice does not exist.")
            if _wants_json(request):
                return JsonResponse({"message": message}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        granted = wanted == "1"
        try:
            event = consent_record(
                purpose=purpose,
                granted=granted,
                context=Context.from_request(request, ConsentEvent.Method.ACCOUNT_PAGE),
                actor=user,
                subject=user,
            )
        except ValidationError as error:
            message = " ".join(error.messages)
            if _wants_json(request):
                return JsonResponse({"message": message}, status=409)
            messages.error(request, message)
            return redirect(f"{request.path}#choice-{purpose.code}")
        if granted:
            message = _("%(purpose)s: turned on.") % {"purpose": purpose.name()}
        else:
            message = _("%(purpose)s: turned off.") % {"purpose": purpose.name()}
        if _wants_json(request):
            # The switch's "last changed" line, as the page would render it now.
            when = date_format(event.recorded_at.astimezone(timezone.get_current_timezone()), "DATETIME_FORMAT")
            changed = _("last changed %(when)s (%(how)s)") % {"when": when, "how": event.get_method_display()}
            return JsonResponse({"granted": granted, "message": message, "changed": changed})
        request.session[SAVED_SESSION_KEY] = {"code": purpose.code, "message": message}
        return redirect(f"{request.path}#choice-{purpose.code}")
    saved = request.session.pop(SAVED_SESSION_KEY, None) or {}
    context = {
        "groups": _rows(user),
        "restricted": is_restricted(user),
        "policy": current_policy(),
        "saved_code": saved.get("code"),
        "saved_message": saved.get("message", ""),
    }
    return render(request, "consent/choices.html", context)


@login_required
@require_GET
def choice_history(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # login_required
    events = events_for(subject=user).order_by("-recorded_at", "-id")
    page = Paginator(events, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "consent/history.html", {"page": page})
