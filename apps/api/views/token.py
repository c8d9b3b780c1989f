"""Your Account → app token: a signed-in customer's short-lived proof for another of the
company's apps (the mobile app asks for it in its web view and hands it to its back end)."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.api.domain import PERSON_TOKEN_MAX_AGE
from apps.api.services import person_token_issue


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
# Minting asks for the password (or second factor) again, as filing a request on the portal's own
# pages does: a token files requests, erasure included, so an unattended signed-in browser must not.
@reauthentication_required(allow_get=True)
def person_token(request: HttpRequest) -> HttpResponse:
    minutes = int(PERSON_TOKEN_MAX_AGE.total_seconds() // 60)
    if request.method == "GET":
        return render(request, "api/person_token.html", {"minutes": minutes})
    token = person_token_issue(user=request.user)  # type: ignore[arg-type]
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"token": token, "expires_in": int(PERSON_TOKEN_MAX_AGE.total_seconds())})
    return render(request, "api/person_token.html", {"minutes": minutes, "token": token})
