"""A fresh second factor before the admin's irreversible operations.

Erasing someone, building their export, running a purge, releasing a legal hold, bulk CSV
exports of the ledgers and changing roles are asked of a staff member who gave a code from
their authenticator app within ACCOUNT_REAUTHENTICATION_TIMEOUT (the sign-in's own code
counts while it is that recent). Otherwise they are sent to allauth's MFA re-authentication page and come back to
the same confirmation page; the operation itself is never carried out by the redirect, so
a stolen or forgotten session cannot erase anyone without the authenticator.

``fresh_second_factor_required`` decorates a view (function or ModelAdmin method: it comes
back to the same URL by GET) or an admin action (it comes back, through
``resume_view``, to the action's confirmation page, with the same selection and fields but
without the confirming "yes", so the officer confirms again).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

RESUME_SESSION_KEY = "staff_reauthentication_resume"
# The fields that confirm an action (ours: confirm=yes; Django's delete_selected: post=yes),
# dropped from a resumed action so that it shows its confirmation page again.
CONFIRMING_FIELDS = frozenset({"confirm", "post", "csrfmiddlewaretoken"})


def has_fresh_second_factor(request: HttpRequest) -> bool:
    """Whether this session gave a second factor within ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    if not request.user.is_authenticated:
        return False
    now = time.time()
    return any(
        record.get("method") == "mfa" and now - record.get("at", 0) < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        for record in get_authentication_records(request, request.user)
    )


def fresh_second_factor_required(
    func: Callable[..., Any] | None = None, *, when: Callable[..., bool] | None = None
) -> Any:
    """Ask for a fresh second factor before ``func`` runs (a view or an admin action).

    ``when`` (called with the decorated function's arguments) limits the check to some
    calls, e.g. the steps of a workflow view that start an erasure or an export.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request = next(arg for arg in args if isinstance(arg, HttpRequest))
            if has_fresh_second_factor(request) or (when is not None and not when(*args, **kwargs)):
                return view(*args, **kwargs)
            queryset = next((arg for arg in args if isinstance(arg, QuerySet)), None)
            if queryset is None:
                return reauthenticate(request, come_back_to=request.get_full_path())
            return _reauthenticate_then_resume_action(request)

        return wrapper

    return decorator(func) if func is not None else decorator


def reauthenticate(request: HttpRequest, *, come_back_to: str) -> HttpResponseRedirect:
    messages.info(request, _("Enter a code from your authenticator app to confirm it is you, then carry on."))
    return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': come_back_to})}")


def _reauthenticate_then_resume_action(request: HttpRequest) -> HttpResponseRedirect:
    # Kept server side: the page that resumes posts back only to the path it came from.
    request.session[RESUME_SESSION_KEY] = {
        "path": request.path,
        "fields": [
            [name, value] for name, values in request.POST.lists() if name not in CONFIRMING_FIELDS for value in values
        ],
    }
    return reauthenticate(request, come_back_to=reverse("admin:staff_reauthentication_resume"))


def resume_view(request: HttpRequest, site: AdminSite) -> HttpResponse:
    """After re-authentication: one button back to the action's confirmation page."""
    stashed = request.session.pop(RESUME_SESSION_KEY, None)
    if not isinstance(stashed, dict) or not str(stashed.get("path", "")).startswith(reverse("admin:index")):
        return HttpResponseRedirect(reverse("admin:index"))
    context = {
        **site.each_context(request),
        "title": _("Carry on"),
        "action_path": stashed["path"],
        "fields": stashed["fields"],
    }
    return TemplateResponse(request, "admin/staff_reauthentication_resume.html", context)
