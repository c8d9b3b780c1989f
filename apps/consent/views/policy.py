"""The public privacy policy pages and the customer's "I have read it" (P-16)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.consent.domain.policy import VersionState, policy_version_state
from apps.consent.selectors.policy import policy_in_force, policy_upcoming, policy_version_get, policy_versions_listed
from apps.consent.services import policy as policy_services


def _version_or_404(name: str):
    version = policy_version_get(name)
    if version is None:
        raise Http404(_("There is no privacy policy version %(version)s.") % {"version": name})
    return version


@require_GET
def policy_current(request: HttpRequest) -> HttpResponse:
    context = {
        "version": policy_in_force(),
        "upcoming": policy_upcoming(),
        "state": VersionState.IN_FORCE,
    }
    return render(request, "consent/policy/current.html", context)


@require_GET
def policy_versions(request: HttpRequest) -> HttpResponse:
    return render(request, "consent/policy/versions.html", {"versions": policy_versions_listed()})


@require_GET
def policy_version(request: HttpRequest, version: str) -> HttpResponse:
    shown = _version_or_404(version)
    state = policy_version_state(shown, in_force=policy_in_force())
    return render(request, "consent/policy/version.html", {"version": shown, "state": state})


@login_required
@require_POST
def policy_acknowledge(request: HttpRequest, version: str) -> HttpResponse:
    shown = _version_or_404(version)
    try:
        policy_services.policy_acknowledge(version=shown, subject=request.user)  # type: ignore[arg-type]  # login_required
    except ValidationError as error:
        return render(request, "400.html", {"message": " ".join(error.messages)}, status=400)
    messages.success(request, _("Thank you: we have recorded that you read the changes."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("consent:policy_version", args=[shown.version])
    return redirect(next_url)
