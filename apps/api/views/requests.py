"""requests:create (for a person the portal vouches for through a person token) and requests:read."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from apps.api.domain import Scope, api_actor
from apps.api.selectors import api_filed_request_get
from apps.api.services import api_filed_request_note
from apps.api.views.common import ApiError, client_of, idempotent, openapi_extra, person_of
from apps.subject_requests.models import RequestType, SubjectRequest
from apps.subject_requests.selectors.requests import timeline
from apps.subject_requests.services.intake import subject_request_create

router = Router(tags=["requests"])


class RequestIn(Schema):
    person_token: str = Field(..., max_length=300, description="The token the portal gave the signed-in person.")
    request_type: str = Field(..., description="access, portability, rectification, erasure, restriction, …")
    details: str = Field("", max_length=5000, description="What the person asked, in their words.")


class TimelineOut(Schema):
    at: str
    kind: str
    title: str


class RequestOut(Schema):
    reference: str
    request_type: str
    status: str
    received_at: str
    due_at: str | None
    closed_at: str | None
    timeline: list[TimelineOut]


def request_out(request: SubjectRequest) -> dict:
    # The timeline as the person sees it, without message bodies: those are the person's words.
    items = [
        {"at": item.at.isoformat(), "kind": item.kind, "title": str(item.title)}
        for item in timeline(request, for_subject=True)
    ]
    deadline = request.extended_to or request.due_at
    return {
        "reference": str(request.reference),
        "request_type": request.request_type,
        "status": request.status,
        "received_at": request.received_at.isoformat(),
        "due_at": deadline.isoformat() if deadline else None,
        "closed_at": request.closed_at.isoformat() if request.closed_at else None,
        "timeline": items,
    }


@router.post(
    "/requests",
    response={200: RequestOut, 201: RequestOut},
    url_name="request_create",
    operation_id="request_create",
    openapi_extra=openapi_extra(write=True),
)
def request_create(request: HttpRequest, payload: RequestIn):
    """File a request for the person the token names. 201 when filed; 200 when the same kind of
    request was already open for them (that one is returned, not a second)."""
    client = client_of(request, Scope.REQUESTS_CREATE)
    if payload.request_type not in RequestType.values:
        raise ApiError(
            422, _("Unknown request type"), errors=[{"loc": ["body", "request_type"], "msg": _("No such type.")}]
        )

    def run():
        # Erasure included: the token is the portal's word that this person is signed in now. An
        # erasure spends it (inside the idempotent run, so a retry with the same key still gets
        # its stored answer): a leaked token cannot file a second one.
        person = person_of(payload.person_token, spend=payload.request_type == RequestType.ERASURE)
        try:
            filed, created = subject_request_create(
                request_type=payload.request_type,
                channel=SubjectRequest.Channel.ACCOUNT,
                verification_method=SubjectRequest.Verification.SIGNED_IN,
                verification_note=f"Signed in; filed through the API by {client.name}"[:300],
                subject=person,
                actor=api_actor(client),
                details=payload.details,
            )
        except ValidationError as exc:
            raise ApiError(422, _("Request not filed"), "; ".join(exc.messages)) from exc
        # The client may read it from now on (requests:read) and hears of its status changes
        # (webhooks), whether it filed it or was answered with the person's open one: its token
        # proved the person either way. Written in the filing's transaction.
        api_filed_request_note(client=client, subject_request=filed)
        return (201 if created else 200), request_out(filed)

    return idempotent(request, client=client, endpoint="request_create", payload=payload.model_dump(), run=run)


@router.get(
    "/requests/{reference}",
    response=RequestOut,
    url_name="request_read",
    operation_id="request_read",
    openapi_extra=openapi_extra(),
)
def request_read(request: HttpRequest, reference: str):
    """A request's status, deadline and timeline, by its reference: one this client filed. Any
    other reference is 404, as an unknown one (a 403 would confirm that it exists)."""
    client = client_of(request, Scope.REQUESTS_READ)
    try:
        found = api_filed_request_get(client=client, reference=uuid.UUID(reference))
    except ValueError as exc:
        raise ApiError(404, _("No such request")) from exc
    if found is None:
        raise ApiError(404, _("No such request"))
    return request_out(found)
