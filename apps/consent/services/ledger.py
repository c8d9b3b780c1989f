"""Writes of the ledger: choices (and the derived state), suppressions and restrictions.

Every choice is one ConsentEvent carrying the proof (what was shown, in which language, under
which policy version, how, from where, by whom) and one upsert of ConsentState, in the same
transaction, so the state never disagrees with the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.models import ConsentEvent, ConsentState, ProcessingRestriction, Purpose, Suppression
from apps.consent.selectors.ledger import states_for
from apps.consent.selectors.policy import current_policy
from apps.core.actors import SystemActor, record_actor
from apps.core.http import client_ip
from apps.personal_data.domain import address_hash, subject_reference

Method = ConsentEvent.Method


@dataclass(frozen=True)
class Context:
    """How and where a choice was made: the circumstances the ledger keeps as proof."""

    method: str
    language: str = ""
    source_page: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    # A refusal that objects to direct marketing as a whole (a subject's objection), not a
    # withdrawal of one purpose: the address is then suppressed for the whole channel.
    objection: bool = False

    @classmethod
    def from_request(cls, request, method: str) -> Context:
        return cls(
            method=method,
            language=(get_language() or "en")[:8],
            source_page=request.path[:300],
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


def _actor_fields(actor: User | SystemActor | None) -> dict:
    if isinstance(actor, SystemActor):
        return {"actor": None, "actor_label": str(actor)[:120]}
    return {"actor": actor, "actor_label": ""}


@transaction.atomic
def consent_record(
    *,
    purpose: Purpose,
    granted: bool,
    context: Context,
    actor: User | SystemActor | None,
    subject: User | None = None,
    visitor_id: str = "",
) -> ConsentEvent:
    """Record one choice for an account (or, before sign-in, a consent-cookie visitor)."""
    if subject is None and not visitor_id:
        raise ValueError("A choice belongs to an account or to a consent-cookie visitor.")
    if not purpose.is_active:
        raise ValidationError(_("This choice is no longer offered."))
    language = context.language or (get_language() or "en")[:8]
    event = ConsentEvent.objects.create(
        subject=subject,
        subject_reference=subject_reference(subject) if subject is not None else "",
        visitor_id="" if subject is not None else visitor_id,
        purpose=purpose,
        granted=granted,
        method=context.method,
        policy_version=current_policy(),
        language=language,
        text_hash=purpose.text_hash(language),
        source_page=context.source_page,
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        **_actor_fields(actor),
    )
    owner = {"subject": subject} if subject is not None else {"subject": None, "visitor_id": visitor_id}
    values = {"granted": granted, "method": context.method, "changed_at": event.recorded_at, "last_event": event}
    try:
        with transaction.atomic():
            ConsentState.objects.update_or_create(**owner, purpose=purpose, defaults=values)
    except IntegrityError:
        # A concurrent first choice for the same purpose created the row: update it.
        ConsentState.objects.filter(**owner, purpose=purpose).update(**values)
    if subject is not None and purpose.is_marketing and purpose.channel:
        if granted:
            # A fresh, explicit opt-in by the person overrides an old suppression of the address.
            if context.method in (Method.ACCOUNT_PAGE, Method.SIGNUP):
                Suppression.objects.filter(
                    address_hash=address_hash(subject.email),
                    channel=purpose.channel,
                    purpose_code__in=["", purpose.code],
                ).delete()
        elif context.method != Method.SIGNUP:
            # Not at sign-up: an unticked box there is proof of what was offered, not a withdrawal,
            # and suppressing on it would undo the box ticked beside it for the same channel.
            reason = (
                Suppression.Reason.UNSUBSCRIBE
                if context.method in (Method.ONE_CLICK, Method.UNSUBSCRIBE_LINK)
                else (Suppression.Reason.OBJECTION if context.objection else Suppression.Reason.WITHDRAWAL)
            )
            # An objection is to all direct marketing on the channel; a withdrawal, to this purpose.
            code = "" if context.objection else purpose.code
            suppression_add(email=subject.email, channel=purpose.channel, reason=reason, purpose_code=code)
    return event


@transaction.atomic
def consent_set_choices(
    *,
    choices: dict[Purpose, bool],
    context: Context,
    actor: User | SystemActor | None,
    subject: User | None = None,
    visitor_id: str = "",
    record_unchanged: bool = False,
) -> list[ConsentEvent]:
    """Record several choices; by default only those that differ from the current state.

    ``record_unchanged`` records every choice shown (sign-up: the unticked boxes are proof too).
    """
    current = states_for(subject=subject, visitor_id=visitor_id)
    events = []
    for purpose, granted in choices.items():
        state = current.get(purpose.pk)
        was = state.granted if state else False
        if record_unchanged or was != granted:
            events.append(
                consent_record(
                    purpose=purpose,
                    granted=granted,
                    context=context,
                    actor=actor,
                    subject=subject,
                    visitor_id=visitor_id,
                )
            )
    return events


@transaction.atomic
def visitor_choices_carry(*, visitor_id: str, subject: User, context: Context) -> list[ConsentEvent]:
    """At sign-in, the choices made before it become the account's where they are newer.

    The customer signing in is the actor.
    """
    if not visitor_id:
        return []
    visitor = states_for(visitor_id=visitor_id)
    mine = states_for(subject=subject)
    carried = Context(
        method=Method.CARRIED_AT_SIGN_IN,
        language=context.language,
        source_page=context.source_page,
        ip_address=context.ip_address,
        user_agent=context.user_agent,
    )
    events = []
    for purpose_id, state in visitor.items():
        own = mine.get(purpose_id)
        if own is None or (own.changed_at < state.changed_at and own.granted != state.granted):
            events.append(
                consent_record(
                    purpose=state.purpose, granted=state.granted, context=carried, actor=subject, subject=subject
                )
            )
    return events


@transaction.atomic
def suppression_add(*, email: str, channel: str, reason: str, purpose_code: str = "") -> Suppression:
    """Never market to this address on this channel again, for one purpose or (empty code) any,
    whether or not an account exists (P-12). Adding an address already listed changes nothing."""
    suppression, _created = Suppression.objects.get_or_create(
        address_hash=address_hash(email), channel=channel, purpose_code=purpose_code, defaults={"reason": reason}
    )
    return suppression


@transaction.atomic
def restriction_place(
    *, subject: User, reason: str, actor: User, purposes: list[Purpose] | None = None
) -> ProcessingRestriction:
    """Restrict processing of an account's data: everything, or the chosen purposes."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why processing is restricted.")})
    restriction = ProcessingRestriction(subject=subject, reason=reason.strip(), placed_by=actor)
    restriction.full_clean()
    record_actor(restriction, actor=actor, reason="restriction placed")
    restriction.save()
    if purposes:
        restriction.purposes.set(purposes)
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: ProcessingRestriction, actor: User, reason: str) -> ProcessingRestriction:
    restriction = ProcessingRestriction.objects.select_for_update().get(pk=restriction.pk)
    if restriction.lifted_at is not None:
        raise ValidationError(_("This restriction was already lifted."))
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = actor
    restriction.full_clean()
    record_actor(restriction, actor=actor, reason=f"restriction lifted: {reason}")
    restriction.save(update_fields=["lifted_at", "lifted_by", "updated_at"])  # the API's feed follows updated_at
    return restriction
