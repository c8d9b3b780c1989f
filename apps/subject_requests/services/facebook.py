"""Facebook's data-deletion callback: the erasure request it opens (the signed request is
verified and read by domain.parse_signed_request; the view is views/facebook.py)."""

from __future__ import annotations

from django.db import transaction

from apps.subject_requests.domain import DeletionRequest
from apps.subject_requests.models import RequestType, SubjectRequest
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.requests import Actor


@transaction.atomic(durable=True)
def facebook_deletion_request_open(*, deletion: DeletionRequest, actor: Actor) -> SubjectRequest:
    """The erasure request for this Facebook user: an open one if Facebook asked before, else a new one.

    The account is the one signed in with this Facebook id (none if it never was, or is gone):
    the request then only records that Facebook asked, for the officers to see.
    """
    from allauth.socialaccount.models import SocialAccount

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
        actor=actor,
        scope={"facebook_user_id": deletion.user_id},
    )
    return request
