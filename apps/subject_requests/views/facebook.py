"""Facebook's data-deletion callback: Facebook → us, signed with the app secret (domain.py reads
the signed request; services/facebook.py opens the erasure request). No sign-in, no CSRF token:
the signature is the proof."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.core.actors import SystemActor
from apps.subject_requests.domain import SignedRequestError, app_secret, parse_signed_request
from apps.subject_requests.services.facebook import facebook_deletion_request_open

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def facebook_data_deletion(request: HttpRequest) -> HttpResponse:
    """Facebook → us, signed with the app secret: open an erasure request, answer where to follow it."""
    try:
        deletion = parse_signed_request(request.POST.get("signed_request", ""), app_secret())
    except SignedRequestError as error:
        logger.warning("refused a Facebook data-deletion callback: %s", error)
        return JsonResponse({"error": "invalid signed_request"}, status=400)
    try:
        subject_request = facebook_deletion_request_open(deletion=deletion, actor=SystemActor("facebook-data-deletion"))
    except ValidationError:
        logger.exception("could not open the erasure request of a Facebook data-deletion callback")
        return JsonResponse({"error": "could not open the request"}, status=400)
    status_url = settings.SITE_URL.rstrip("/") + reverse("subject_requests:status", args=[subject_request.reference])
    return JsonResponse({"url": status_url, "confirmation_code": subject_request.short_reference})
