"""Writes behind the cookie pages: a banner or settings choice, and a Global Privacy Control opt-out (P-13).

They record through ``consent_set_choices`` / ``consent_record`` only, so the ledger and the
derived state stay the one truth. Writing the consent cookie itself is the middleware's
(``apps.consent.middleware.remember_choice``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.db import transaction

from apps.accounts.models import User
from apps.consent.domain.cookies import CHOICE_CATEGORIES, CookieChoice, CookieConsent, new_visitor_id
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.selectors.cookies import cookie_purposes
from apps.consent.selectors.ledger import states_for
from apps.consent.services.ledger import Context, consent_record, consent_set_choices


def _owner(subject: User | None, visitor_id: str) -> dict:
    return {"subject": subject} if subject is not None else {"visitor_id": visitor_id}


@transaction.atomic
def gpc_record_opt_out(
    *, purposes: Iterable[Purpose], context: Context, subject: User | None = None, visitor_id: str = ""
) -> list[ConsentEvent]:
    """Record Global Privacy Control as a refusal of each purpose that is on or unanswered.

    A purpose the person switched on again after an earlier GPC refusal is left alone: their
    explicit choice overrides the browser's signal ("overridden" on the Privacy choices page).
    The customer (or, before sign-in, nobody) is the actor.
    """
    purposes = [p for p in purposes if p.is_active]
    if not purposes:
        return []
    states = states_for(**_owner(subject, visitor_id))
    earlier = ConsentEvent.objects.filter(method=ConsentEvent.Method.GPC, purpose__in=purposes)
    earlier = earlier.filter(subject=subject) if subject is not None else earlier.filter(visitor_id=visitor_id)
    refused_before = set(earlier.values_list("purpose_id", flat=True))
    events = []
    for purpose in purposes:
        state = states.get(purpose.pk)
        if state is not None and (not state.granted or purpose.pk in refused_before):
            continue
        events.append(
            consent_record(
                purpose=purpose, granted=False, context=context, actor=subject, **_owner(subject, visitor_id)
            )
        )
    return events


@transaction.atomic(durable=True)
def cookie_choice_save(
    *,
    consent: CookieConsent,
    accepted: dict[str, bool],
    context: Context,
    actor: User | None,
    gpc: bool,
    source_page: str = "",
) -> CookieChoice:
    """Record a cookie choice from the banner or the settings page; returns the cookie to write.

    ``consent`` is the request's (``apps.consent.middleware.consent_for``), ``actor`` the signed-in
    customer or None for a visitor, ``gpc`` whether the browser sends Global Privacy Control.
    Against the account when signed in, else against the consent-cookie visitor id (a new one
    if there is none yet). The banner, a first choice and a choice after the categories changed
    record every category (each is the proof of what was agreed to); a later save on the
    settings page records only what changed. With Global Privacy Control, marketing stays off
    and is recorded as a GPC refusal, whatever was clicked.
    """
    previous = consent.choice
    visitor_id = previous.visitor_id if previous else new_visitor_id()
    subject = actor
    purposes = cookie_purposes()
    wanted = {c: bool(accepted.get(c)) and c in purposes and not (gpc and c == "marketing") for c in CHOICE_CATEGORIES}
    chosen = {purposes[c]: wanted[c] for c in CHOICE_CATEGORIES if c in purposes and not (gpc and c == "marketing")}
    if source_page:
        context = replace(context, source_page=source_page[:300])
    owner = _owner(subject, visitor_id)
    ask_all = context.method == ConsentEvent.Method.COOKIE_BANNER or consent.needs_asking
    if ask_all:
        consent_set_choices(choices=chosen, context=context, actor=subject, record_unchanged=True, **owner)
    else:
        answered = states_for(**owner)
        first = {p: g for p, g in chosen.items() if p.pk not in answered}
        again = {p: g for p, g in chosen.items() if p.pk in answered}
        consent_set_choices(choices=first, context=context, actor=subject, record_unchanged=True, **owner)
        consent_set_choices(choices=again, context=context, actor=subject, **owner)
    if gpc and "marketing" in purposes:
        gpc_context = replace(context, method=ConsentEvent.Method.GPC)
        gpc_record_opt_out(purposes=[purposes["marketing"]], context=gpc_context, **owner)
    return CookieChoice(visitor_id=visitor_id, fingerprint=consent.fingerprint, accepted=wanted, gpc=gpc)
