"""Restriction, objection, withdrawal and stop processing: consent-ledger entries, suppressions
and restrictions, written with the completion in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.subject_requests.execution.record import address, no_account
from apps.subject_requests.models import ExecutionState, SubjectRequest
from apps.subject_requests.services.execution import (
    ACCOUNT_TYPES,
    SYSTEM,
    Actor,
    await_officer,
    complete,
    in_language,
    lock,
    worker_actor,
)

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
# --- Consent ledger: restriction, objection, withdrawal, stop processing ---------------------


def _purposes(request: SubjectRequest) -> tuple[list, list[str]]:
    """The purposes the scope names (codes or ids), and the names that match none."""
    from apps.consent.models import Purpose

    wanted = (request.scope or {}).get("purposes") or []
    if not isinstance(wanted, list):
        wanted = [wanted]
    codes = [str(w) for w in wanted if not isinstance(w, int)]
    ids = [w for w in wanted if isinstance(w, int)]
    found = list(Purpose.objects.filter(code__in=codes)) + list(Purpose.objects.filter(pk__in=ids))
    known = {p.code for p in found} | {p.pk for p in found}
    unknown = [str(w) for w in wanted if w not in known]
    unique = {p.pk: p for p in found}
    return sorted(unique.values(), key=lambda p: (p.display_order, p.code)), unknown


def _names(purposes: list, language: str) -> str:
    return ", ".join(p.name(language) for p in purposes)


def _context(*, objection: bool):
    from apps.consent.models import ConsentEvent
    from apps.consent.services.ledger import Context

    return Context(method=ConsentEvent.Method.REQUEST, source_page="subject-request", objection=objection)


def _refuse(subject: User | None, purposes: list, actor: Actor, *, objection: bool) -> list:
    """A ledger entry refusing each purpose the subject has not refused already."""
    from apps.consent.selectors.ledger import states_for
    from apps.consent.services.ledger import consent_record

    if subject is None:
        return []
    states = states_for(subject=subject)
    events = []
    for purpose in purposes:
        state = states.get(purpose.pk)
        # No state: never asked. For legitimate interest that means "allowed" until objected
        # to, so the refusal is recorded; for consent it is already "off" but recorded too.
        if state is not None and not state.granted:
            continue
        context = _context(objection=objection)
        events.append(consent_record(purpose=purpose, granted=False, context=context, actor=actor, subject=subject))
    return events


def _granted(subject: User | None) -> list:
    from apps.consent.selectors.ledger import states_for

    if subject is None:
        return []
    states = states_for(subject=subject).values()
    return [s.purpose for s in states if s.granted and s.purpose.is_active]


def _suppress_all_marketing(emails: list[str]) -> list[str]:
    """An objection to direct marketing is absolute: every channel, every purpose, at once."""
    from apps.consent.models import Purpose, Suppression
    from apps.consent.services.ledger import suppression_add

    done = []
    for email in dict.fromkeys(e for e in emails if e):
        for channel in (c for c in Purpose.Channel.values if c):
            suppression_add(email=email, channel=channel, reason=Suppression.Reason.OBJECTION, purpose_code="")
            done.append(channel)
    return sorted(set(done))


def _place_restriction(request: SubjectRequest, purposes: list, actor: Actor):
    """One restriction in force of the scope asked; an identical one in force is reused."""
    from apps.consent.models import ProcessingRestriction
    from apps.consent.services.ledger import restriction_place

    subject = request.subject
    assert subject is not None
    if not purposes:
        existing = (
            ProcessingRestriction.objects.filter(subject=subject, lifted_at__isnull=True, purposes__isnull=True)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing
    # placed_by must be a person: the officer who started the request, else the subject, at
    # whose request it is placed (the reason names the request).
    placed_by = actor if isinstance(actor, User) else subject
    return restriction_place(
        subject=subject,
        reason=f"Subject request {request.reference} ({request.get_request_type_display()})",
        actor=placed_by,
        purposes=purposes or None,
    )


_NAMES_NOTHING: tuple[str, dict] = ("", {})


def _ledger(request: SubjectRequest, work: Callable[[SubjectRequest, Actor], tuple[str, dict] | None]):
    """Run ``work`` and complete the request in one transaction under the request's lock.

    Either the ledger entries and the completion are both committed or neither is: a second
    delivery finds the request completed and does nothing.
    """
    with transaction.atomic():
        locked = lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS or locked.execution_state != ExecutionState.RUNNING:
            return locked
        _purposes_found, unknown = _purposes(locked)
        if unknown:
            return await_officer(
                locked,
                note=f"The request names purposes that do not exist: {', '.join(unknown)}. Check with the subject.",
            )
        if locked.subject is None and locked.request_type in ACCOUNT_TYPES:
            return no_account(locked)
        actor = worker_actor(locked)
        result = work(locked, actor)
        if result is None:
            return no_account(locked)
        if result is _NAMES_NOTHING:
            return await_officer(locked, note="The request names no purpose; ask the subject what it is about.")
        outcome, record = result
        return complete(
            locked.pk,
            outcome=in_language(locked, lambda: outcome),
            actor=SYSTEM,
            reason=f"{locked.get_request_type_display()} recorded",
            **record,
        )


def execute_restriction(request: SubjectRequest) -> SubjectRequest:
    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict]:
        purposes, _unknown = _purposes(locked)
        if (locked.scope or {}).get("all_processing"):
            purposes = []  # the form's "all processing" wins over any purposes also sent
        restriction = _place_restriction(locked, purposes, actor)
        with translation.override(locked.language):
            what = (
                _("processing of your data for: %(purposes)s") % {"purposes": _names(purposes, locked.language)}
                if purposes
                else _("all processing of your data")
            )
            outcome = _(
                "We restricted %(what)s. While the restriction is in place we only store your data; it stays in "
                "place until it is lifted, and we will tell you before lifting it."
            ) % {"what": what}
        return outcome, {"restriction": {"id": restriction.pk, "reference": str(restriction.reference)}}

    return _ledger(request, work)


def execute_objection(request: SubjectRequest) -> SubjectRequest:
    from apps.consent.models import Purpose

    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict] | None:
        chosen, _unknown = _purposes(locked)
        marketing = bool((locked.scope or {}).get("direct_marketing")) or any(p.is_marketing for p in chosen)
        purposes = list(chosen)
        if marketing:
            # Direct marketing as a whole: every marketing purpose, whichever were named.
            extra = Purpose.objects.filter(is_marketing=True, is_active=True).exclude(pk__in=[p.pk for p in purposes])
            purposes += list(extra)
        purposes = [p for p in purposes if p.is_active]
        if not purposes and not marketing:
            return _NAMES_NOTHING
        events = _refuse(locked.subject, purposes, actor, objection=True)
        channels = _suppress_all_marketing([address(locked), locked.requester_email]) if marketing else []
        with translation.override(locked.language):
            parts = []
            if purposes:
                parts.append(
                    _("We recorded your objection to: %(purposes)s.") % {"purposes": _names(purposes, locked.language)}
                )
            if marketing:
                parts.append(
                    _(
                        "You will receive no direct marketing from us at %(email)s, by any channel; this took "
                        "effect at once and does not end unless you ask us to contact you again."
                    )
                    % {"email": address(locked)}
                )
            outcome = " ".join(parts) or _("We recorded your objection.")
        return outcome, {"consent_events": [e.pk for e in events], "suppressions": channels}

    return _ledger(request, work)


def execute_withdrawal(request: SubjectRequest) -> SubjectRequest:
    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict] | None:
        if locked.subject is None:
            return None
        chosen, _unknown = _purposes(locked)
        granted = _granted(locked.subject)
        granted_ids = {p.pk for p in granted}
        purposes = [p for p in chosen if p.pk in granted_ids and p.is_active] if chosen else granted
        events = _refuse(locked.subject, purposes, actor, objection=False)
        with translation.override(locked.language):
            if purposes:
                outcome = _("We recorded the withdrawal of your consent to: %(purposes)s. It took effect at once.") % {
                    "purposes": _names(purposes, locked.language)
                }
            else:
                outcome = _("You had not given us consent for what you asked to withdraw; there was nothing to change.")
        return outcome, {"consent_events": [e.pk for e in events]}

    return _ledger(request, work)


def execute_stop_processing(request: SubjectRequest) -> SubjectRequest:
    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict]:
        record: dict[str, Any] = {}
        withdrawn = _granted(locked.subject)
        events = _refuse(locked.subject, withdrawn, actor, objection=True)
        record["consent_events"] = [e.pk for e in events]
        record["suppressions"] = _suppress_all_marketing([address(locked), locked.requester_email])
        with translation.override(locked.language):
            parts = []
            if locked.subject is not None:
                restriction = _place_restriction(locked, [], actor)
                record["restriction"] = {"id": restriction.pk, "reference": str(restriction.reference)}
                parts.append(
                    _(
                        "We stopped all processing of your data: we only store it, until the restriction is lifted, "
                        "and we will tell you before lifting it."
                    )
                )
            if withdrawn:
                parts.append(
                    _("Your consents are withdrawn: %(purposes)s.") % {"purposes": _names(withdrawn, locked.language)}
                )
            parts.append(_("You will receive no direct marketing from us at %(email)s.") % {"email": address(locked)})
            if locked.subject is None:
                parts.append(_("No account is linked to this address, so there was nothing else to stop."))
            outcome = " ".join(parts)
        return outcome, record

    return _ledger(request, work)
