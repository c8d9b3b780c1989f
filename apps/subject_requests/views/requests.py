"""Your Account → Your requests (P-30, P-31): the customer's requests, a form per type, replies, withdrawal.

Thin views: they parse input and call one service. Requests are found by their opaque
reference through subject_request_get_for_user, so someone else's reference is a 404.
The public pages (form, confirmation, status) are in views/public.py, Facebook's callback in
views/facebook.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.subject_requests.forms.requests import ACCOUNT_FORMS, MessageForm, WithdrawForm
from apps.subject_requests.models import RequestType, SubjectRequest
from apps.subject_requests.selectors.deadlines import extension_limit
from apps.subject_requests.selectors.intents import customer_jurisdiction, intents_for
from apps.subject_requests.selectors.requests import (
    allowed_transitions,
    consented_purposes,
    requests_for_subject,
    subject_request_get_for_user,
    timeline,
)
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.requests import subject_request_message
from apps.subject_requests.services.requests import subject_request_transition as transition

if TYPE_CHECKING:
    from apps.accounts.models import User

    class AuthenticatedHttpRequest(HttpRequest):
        """The request of a login_required view: its user is signed in."""

        user: User


# Where the confirmation page finds what was just filed (set after the POST, read after the redirect).
FILED_SESSION_KEY = "subject_requests.filed"


def active_language() -> str:
    language = (get_language() or "en").split("-")[0]
    return language if language in dict(settings.LANGUAGES) else "en"


def _may_withdraw(subject_request: SubjectRequest) -> bool:
    return SubjectRequest.Status.WITHDRAWN in allowed_transitions(subject_request)


@login_required
@require_GET
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "subject_requests/list.html", {"requests": list(requests_for_subject(request.user))})


@login_required
@require_GET
def request_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pick what you want, in plain words: each leads to its request type (or a choice of them),
    with what happens next and how long it takes under the customer's law."""
    jurisdiction = customer_jurisdiction(str(request.user.country or ""))
    return render(request, "subject_requests/new.html", {"intents": intents_for(jurisdiction)})


def _request_type(value: str) -> str:
    if value not in RequestType.values:
        raise Http404("No such request type")
    return value


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def request_new_type(request: AuthenticatedHttpRequest, request_type: str) -> HttpResponse:
    return _request_new_type(request, _request_type(request_type))


@reauthentication_required(allow_get=True)
def _request_new_type(request: AuthenticatedHttpRequest, request_type: str) -> HttpResponse:
    """GET explains the type and shows its form; POST (after a recent re-authentication) files it.

    A POST that needed the password again is replayed by allauth once it is given.
    """
    form_class = ACCOUNT_FORMS[request_type]
    form = form_class(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            filed, created = subject_request_create(
                request_type=request_type,
                channel=SubjectRequest.Channel.ACCOUNT,
                verification_method=SubjectRequest.Verification.SIGNED_IN,
                subject=request.user,
                actor=request.user,
                language=active_language(),
                details=form.details_text(),
                scope=form.scope(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[FILED_SESSION_KEY] = {"reference": str(filed.reference), "created": created}
            return redirect("subject_requests:filed", reference=filed.reference)
    context = {
        "form": form,
        "request_type": request_type,
        "type_label": RequestType(request_type).label,
        "has_consents": request_type != RequestType.WITHDRAWAL or bool(consented_purposes(request.user)),
    }
    if request_type == RequestType.ERASURE:
        from apps.retention.selectors.deletion import kept_after_deletion
        from apps.retention.selectors.rules import rules_for_customers

        context["kept"] = kept_after_deletion(rules_for_customers())
    return render(request, "subject_requests/new_type.html", context, status=400 if request.method == "POST" else 200)


@login_required
@never_cache
@require_GET
def request_filed(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    """The confirmation after filing: the reference and the deadline (or: the one already open)."""
    subject_request = subject_request_get_for_user(user=request.user, reference=reference)
    stored = request.session.get(FILED_SESSION_KEY) or {}
    created = not (stored.get("reference") == str(subject_request.reference) and stored.get("created") is False)
    return render(request, "subject_requests/filed.html", {"subject_request": subject_request, "created": created})


def _detail_context(subject_request: SubjectRequest, **extra) -> dict:
    return {
        "subject_request": subject_request,
        "timeline": timeline(subject_request, for_subject=True),
        "may_withdraw": _may_withdraw(subject_request),
        "message_form": MessageForm(),
        "extension_limit": extension_limit(subject_request) if subject_request.is_open else None,
        **extra,
    }


@login_required
@require_GET
def request_detail(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    subject_request = subject_request_get_for_user(user=request.user, reference=reference)
    return render(request, "subject_requests/detail.html", _detail_context(subject_request))


@login_required
@require_POST
def request_message(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    subject_request = subject_request_get_for_user(user=request.user, reference=reference)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            subject_request_message(request=subject_request, actor=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            messages.success(request, _("Your message was sent to our privacy team."))
            return redirect(reverse("subject_requests:detail", args=[subject_request.reference]) + "#timeline")
    context = _detail_context(subject_request, message_form=form)
    return render(request, "subject_requests/detail.html", context, status=400)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def request_withdraw(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    """GET asks "are you sure?"; POST withdraws while the request is still open."""
    subject_request = subject_request_get_for_user(user=request.user, reference=reference)
    context = {"subject_request": subject_request, "may_withdraw": _may_withdraw(subject_request)}
    if request.method == "GET":
        return render(request, "subject_requests/withdraw.html", context)
    if not WithdrawForm(request.POST).is_valid() or not context["may_withdraw"]:
        context["error"] = _("This request can no longer be withdrawn: it is %(status)s.") % {
            "status": subject_request.get_status_display().lower()
        }
        return render(request, "subject_requests/withdraw.html", context, status=409)
    try:
        transition(
            request=subject_request,
            to_status=SubjectRequest.Status.WITHDRAWN,
            actor=request.user,
            reason="Withdrawn by the customer in Your Account",
        )
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        return render(request, "subject_requests/withdraw.html", context, status=409)
    messages.success(request, _("Your request was withdrawn. Nothing more will be done about it."))
    return redirect("subject_requests:detail", reference=subject_request.reference)
