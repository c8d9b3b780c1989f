"""Facebook's data-deletion callback: verify its signed request, open an erasure request.

Facebook POSTs ``signed_request=<signature>.<payload>`` when someone removes the app and asks
for their data to be deleted: both parts base64url without padding, the signature being the
HMAC-SHA256 of the encoded payload under the app secret. We answer with the status page URL
and a confirmation code Facebook shows to the person
(https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from apps.core.actors import SystemActor
from apps.subject_requests.models import RequestType, SubjectRequest

MAX_SIGNED_REQUEST = 4096  # Facebook's are a few hundred characters; anything far longer is not one
ALGORITHM = "HMAC-SHA256"
MAX_AGE_SECONDS = 24 * 3600


class SignedRequestError(ValueError):
    """The signed request is missing, malformed, or not signed with our app secret."""


@dataclass(frozen=True)
class DeletionRequest:
    user_id: str
    payload: dict[str, Any]


def app_secret() -> str:
    """The Facebook app's secret: FACEBOOK_APP_SECRET (the same one allauth's provider uses)."""
    return getattr(settings, "FACEBOOK_APP_SECRET", "") or ""


def _b64decode(part: str) -> bytes:
    if not part or not all(c.isalnum() or c in "-_" for c in part):
        raise SignedRequestError("not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignedRequestError("not base64url") from exc


def sign(payload: dict[str, Any], secret: str) -> str:
    """Build a signed request as Facebook does (used by the tests, and handy for trying the endpoint)."""
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    signature = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(signature).rstrip(b"=").decode() + "." + encoded


def parse_signed_request(signed_request: str, secret: str) -> DeletionRequest:
    """Verify and decode; raises SignedRequestError for anything but a valid deletion request."""
    if not secret:
        raise SignedRequestError("no Facebook app secret is configured")
    if not isinstance(signed_request, str) or not signed_request or len(signed_request) > MAX_SIGNED_REQUEST:
        raise SignedRequestError("missing or oversized signed_request")
    parts = signed_request.split(".")
    if len(parts) != 2:
        raise SignedRequestError("expected signature.payload")
    encoded_signature, encoded_payload = parts
    signature = _b64decode(encoded_signature)
    expected = hmac.new(secret.encode(), encoded_payload.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise SignedRequestError("bad signature")
    try:
        payload = json.loads(_b64decode(encoded_payload))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignedRequestError("payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise SignedRequestError("payload is not an object")
    if str(payload.get("algorithm", "")).upper() != ALGORITHM:
        raise SignedRequestError("unsupported algorithm")
    issued_at = payload.get("issued_at")
    if issued_at is not None:
        # A captured request replayed later is refused: Facebook calls at once.
        if not isinstance(issued_at, int) or isinstance(issued_at, bool):
            raise SignedRequestError("malformed issued_at")
        age = time.time() - issued_at
        if age > MAX_AGE_SECONDS or age < -300:
            raise SignedRequestError("expired signed_request")
    user_id = payload.get("user_id")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 64:
        raise SignedRequestError("missing or malformed user_id")
    return DeletionRequest(user_id=user_id, payload=payload)


def open_deletion_request(deletion: DeletionRequest) -> SubjectRequest:
    """The erasure request for this Facebook user: an open one if Facebook asked before, else a new one.

    The account is the one signed in with this Facebook id (none if it never was, or is gone):
    the request then only records that Facebook asked, for the officers to see.
    """
    from allauth.socialaccount.models import SocialAccount

    from apps.subject_requests.services import subject_request_create

    account = SocialAccount.objects.filter(provider="facebook", uid=deletion.user_id).select_related("user").first()
    subject = account.user if account is not None else None
    if subject is None:
        # No account to find a duplicate by: Facebook's retries find the open request by its id.
        existing = (
            SubjectRequest.objects.filter(
                channel=SubjectRequest.Channel.FACEBOOK,
                request_type=RequestType.ERASURE,
                subject__isnull=True,
                status__in=SubjectRequest.OPEN_STATUSES,
                scope__facebook_user_id=deletion.user_id,
            )
            .order_by("received_at")
            .first()
        )
        if existing is not None:
            return existing
    request, _created = subject_request_create(
        request_type=RequestType.ERASURE,
        channel=SubjectRequest.Channel.FACEBOOK,
        verification_method=SubjectRequest.Verification.FACEBOOK,
        verification_note="Signed request from Facebook verified with the app secret",
        subject=subject,
        actor=SystemActor("facebook-data-deletion"),
        scope={"facebook_user_id": deletion.user_id},
    )
    return request
