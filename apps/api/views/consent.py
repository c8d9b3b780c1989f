"""consent:check (one person, or a streamed batch of up to 10 000) and consent:write."""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]

from django.core.exceptions import ValidationError
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import BaseModel, Field, model_validator

from apps.api.domain import Scope, api_actor
from apps.api.selectors import Identifier, consent_decision, consent_decisions, identifier_from, purpose_for_check
from apps.api.views.common import ApiError, client_of, idempotent, openapi_extra, person_of
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.services.ledger import Context, consent_record

router = Router(tags=["consent"])
BATCH_LIMIT = 10_000
# The batch's answer as the OpenAPI document describes it. A stream, so a byte string to OpenAPI
# 3.1 (a schema per line needs 3.2's itemSchema, which generators do not read yet): each line is
# a JSON object naming the person as the question did, with allowed and reason.
BATCH_ANSWER = {
    "description": (
        "NDJSON, one line per person in the order asked: "
        '{"email" | "account" | "email_hash": <as sent>, "allowed": true | false, "reason": "<reason>"}'
    ),
    "content": {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}},
}


class PersonIn(BaseModel):
    """Exactly one of: the account's reference, the email address, or its keyed hash."""

    account: str | None = Field(None, description="The account's opaque reference (a UUID).")
    email: str | None = Field(None, max_length=254)
    email_hash: str | None = Field(None, description="The portal's keyed hash of the address (from the feeds).")

    @model_validator(mode="after")
    def one_of(self) -> PersonIn:
        if (self.account is not None) + (self.email is not None) + (self.email_hash is not None) != 1:
            raise ValueError("give exactly one of account, email, email_hash")
        return self

    def identifier(self) -> Identifier:
        if self.email is not None:
            return identifier_from("email", self.email)
        if self.email_hash is not None:
            return identifier_from("email_hash", self.email_hash)
        return identifier_from("account", self.account or "")


class CheckIn(Schema):
    purpose: str = Field(..., max_length=64, description="The purpose's code.")
    channel: str = Field("", max_length=16, description="email, post or telephone; empty when not a contact.")
    person: PersonIn


class BatchCheckIn(Schema):
    purpose: str = Field(..., max_length=64)
    channel: str = Field("", max_length=16)
    people: list[PersonIn] = Field(..., min_length=1, max_length=BATCH_LIMIT)


class CheckOut(Schema):
    allowed: bool
    reason: str = Field(
        ..., description="allowed, no_consent, objected, gpc, suppressed, restricted, account_closed, …"
    )


class ConsentIn(Schema):
    person_token: str = Field(..., max_length=300, description="The token the portal gave the signed-in person.")
    purpose: str = Field(..., max_length=64)
    granted: bool
    text_version: str = Field(..., max_length=64, description="The text_hash of the wording the person saw.")
    language: str = Field("en", max_length=8)
    source: str = Field(..., min_length=1, max_length=200, description="Where in the app the choice was made.")


class ConsentOut(Schema):
    purpose: str
    granted: bool
    recorded_at: str


def _purpose(code: str, channel: str | None) -> Purpose:
    """The purpose named by ``code``; for a check (``channel`` not None), on a channel it may use."""
    purpose = purpose_for_check(code)
    if purpose is None:
        raise ApiError(422, _("Unknown purpose"), errors=[{"loc": ["body", "purpose"], "msg": _("No such purpose.")}])
    if channel is None:
        return purpose
    if channel and channel not in Purpose.Channel.values:
        raise ApiError(422, _("Unknown channel"), errors=[{"loc": ["body", "channel"], "msg": _("No such channel.")}])
    if purpose.channel and not channel:
        # A contact purpose is allowed on its own channel only: a check without one has no answer.
        raise ApiError(
            422,
            _("Channel needed"),
            _("This purpose is bound to a channel; say which channel you mean to use."),
            errors=[{"loc": ["body", "channel"], "msg": _("Required for this purpose.")}],
        )
    return purpose


def _identifiers(people: list[PersonIn]) -> list[Identifier]:
    found, errors = [], []
    for index, person in enumerate(people):
        try:
            found.append(person.identifier())
        except ValueError:
            errors.append({"loc": ["body", "people", index], "msg": _("Not an account reference, address or hash.")})
    if errors:
        raise ApiError(422, _("Invalid identifiers"), errors=errors[:50])
    return found


def _askable(purpose: Purpose, identifiers: list[Identifier], where: list) -> None:
    """A purpose tied to no channel is not about reaching an address, and no suppression list
    applies to it: asked by address, the only answers that are not "allowed" would come from an
    account (restricted, closed, objected), and so tell the client the address has one. Such a
    purpose is asked about by account reference only."""
    if purpose.channel:
        return
    errors = [
        {"loc": [*where, index] if where[-1] == "people" else where, "msg": _("Give the account reference.")}
        for index, identifier in enumerate(identifiers)
        if identifier.kind != "account"
    ]
    if errors:
        raise ApiError(
            422,
            _("Account reference needed"),
            _("This purpose is not about contacting an address; ask about it by account reference."),
            errors=errors[:50],
        )


@router.post(
    "/consent/check",
    response=CheckOut,
    url_name="consent_check",
    operation_id="consent_check",
    openapi_extra=openapi_extra(),
)
def consent_check(request: HttpRequest, payload: CheckIn):
    """May this purpose (and channel) be used for this person now?"""
    client_of(request, Scope.CONSENT_CHECK)
    purpose = _purpose(payload.purpose, payload.channel)
    (identifier,) = _identifiers([payload.person])
    _askable(purpose, [identifier], ["body", "person"])
    reason = consent_decision(purpose=purpose, channel=payload.channel, identifier=identifier)
    return {"allowed": reason == "allowed", "reason": reason}


@router.post(
    "/consent/check/batch",
    url_name="consent_check_batch",
    operation_id="consent_check_batch",
    openapi_extra=openapi_extra(responses={200: BATCH_ANSWER}),
)
def consent_check_batch(request: HttpRequest, payload: BatchCheckIn) -> StreamingHttpResponse:
    """Up to 10 000 people in one call; the answer streams as NDJSON, one line per person, in order."""
    client_of(request, Scope.CONSENT_CHECK)
    purpose = _purpose(payload.purpose, payload.channel)
    identifiers = _identifiers(payload.people)
    _askable(purpose, identifiers, ["body", "people"])
    decisions = consent_decisions(purpose=purpose, channel=payload.channel, identifiers=identifiers)

    def lines() -> Iterator[bytes]:
        chunk = []
        for identifier, reason in decisions:
            # Written by hand, not json.dumps per row: a third of the batch's time went there.
            allowed = "true" if reason == "allowed" else "false"
            given = encode_basestring_ascii(identifier.given)
            chunk.append(f'{{"{identifier.kind}":{given},"allowed":{allowed},"reason":"{reason}"}}')
            if len(chunk) == 500:
                yield ("\n".join(chunk) + "\n").encode()
                chunk = []
        if chunk:
            yield ("\n".join(chunk) + "\n").encode()

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson")


@router.post(
    "/consent/choices",
    response={201: ConsentOut},
    url_name="consent_record",
    operation_id="consent_record",
    openapi_extra=openapi_extra(write=True),
)
def consent_choice_record(request: HttpRequest, payload: ConsentIn):
    """Record a choice the signed-in person made in another of the company's apps, with its proof."""
    client = client_of(request, Scope.CONSENT_WRITE)

    def run():
        person = person_of(payload.person_token)
        purpose = _purpose(payload.purpose, None)
        if payload.text_version != purpose.text_hash(payload.language):
            raise ApiError(
                422,
                _("Not the current wording"),
                _("The person was shown wording that is not the purpose's current text in that language."),
                errors=[{"loc": ["body", "text_version"], "msg": _("Does not match the current text.")}],
            )
        context = Context(
            method=ConsentEvent.Method.ACCOUNT_PAGE,
            language=payload.language,
            source_page=f"api:{client.name}:{payload.source}"[:300],
            user_agent=request.headers.get("User-Agent", "")[:300],
        )
        try:
            event = consent_record(
                purpose=purpose, granted=payload.granted, context=context, actor=api_actor(client), subject=person
            )
        except ValidationError as exc:
            raise ApiError(422, _("Choice not recorded"), "; ".join(exc.messages)) from exc
        return 201, {"purpose": purpose.code, "granted": event.granted, "recorded_at": event.recorded_at.isoformat()}

    return idempotent(request, client=client, endpoint="consent_record", payload=payload.model_dump(), run=run)
