"""Writes of the register: opening a breach, an officer's changes, an assessment, closing."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.breaches.domain import HOME_JURISDICTIONS, Factors, risk_of, risk_score
from apps.breaches.models import Breach, RiskAssessment
from apps.core.actors import SystemActor, record_actor


def _next_number(year: int) -> str:
    # Numbers are per year: BR-2026-0001. The unique constraint turns a race into an error, not a duplicate.
    prefix = f"BR-{year}-"
    last = Breach.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    count = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{count:04d}"


@transaction.atomic
def breach_open(
    *,
    title: str,
    description: str,
    aware_at: datetime,
    officer: User,
    contact_point: str,
    actor: User | SystemActor,
    occurred_at: datetime | None = None,
    discovered_how: str = "",
    categories: list[str] | None = None,
    jurisdictions: list[str] | None = None,
) -> Breach:
    """Record a new breach in the register and start its authorities' clocks."""
    from apps.breaches.services.clocks import breach_clocks_sync

    if aware_at > timezone.now():
        raise ValidationError({"aware_at": _("The moment of awareness cannot be in the future.")})
    if not officer.is_staff:
        raise ValidationError({"officer": _("The officer responsible must be a staff member.")})
    breach = Breach(
        number=_next_number(aware_at.year),
        title=title,
        description=description,
        aware_at=aware_at,
        occurred_at=occurred_at,
        discovered_how=discovered_how,
        categories=categories or [],
        jurisdictions=jurisdictions
        if jurisdictions is not None
        else list(getattr(settings, "BREACHES_HOME_JURISDICTIONS", HOME_JURISDICTIONS)),
        officer=officer,
        contact_point=contact_point,
    )
    breach.full_clean()
    record_actor(breach, actor=actor, reason="opened")
    breach.save()
    breach_clocks_sync(breach=breach, actor=actor)
    return breach


@transaction.atomic
def breach_save(*, breach: Breach, actor: User | SystemActor, reason: str) -> Breach:
    """An officer's change to the register's fields (the admin form), validated, with history."""
    from apps.breaches.services.clocks import breach_clocks_sync

    if breach.pk and not Breach.objects.filter(pk=breach.pk, status=Breach.Status.OPEN).exists():
        raise ValidationError(_("A closed breach is kept as it was closed."))
    breach.full_clean()
    record_actor(breach, actor=actor, reason=reason)
    breach.save()
    breach_clocks_sync(breach=breach, actor=actor)
    return breach


@transaction.atomic
def breach_assess(*, breach: Breach, factors: Factors, notes: str = "", actor: User) -> RiskAssessment:
    """Record an assessment; its result becomes the breach's risk, which decides the clocks owed."""
    from apps.breaches.services.clocks import breach_clocks_sync

    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if not breach.is_open:
        raise ValidationError(_("A closed breach is kept as it was closed."))
    assessment = RiskAssessment(
        breach=breach,
        sensitivity=factors.sensitivity,
        special_categories=factors.special_categories,
        people=factors.people,
        ease_of_identification=factors.ease_of_identification,
        severity=factors.severity,
        vulnerable_people=factors.vulnerable_people,
        unintelligible=factors.unintelligible,
        score=risk_score(factors),
        risk=risk_of(factors),
        notes=notes,
        assessed_by=actor,
    )
    assessment.full_clean()
    assessment.save()
    breach.risk = assessment.risk
    breach.approx_people = breach.approx_people or factors.people
    record_actor(breach, actor=actor, reason=f"assessed: {assessment.risk}")
    breach.save(update_fields=["risk", "approx_people", "updated_at"])
    breach_clocks_sync(breach=breach, actor=actor)
    return assessment


@transaction.atomic
def breach_close(*, breach: Breach, actor: User | SystemActor) -> Breach:
    """Close a breach once its decision is recorded and no required notification is left running."""
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if not breach.is_open:
        raise ValidationError(_("This breach is already closed."))
    if breach.decision == Breach.Decision.UNDECIDED:
        raise ValidationError(_("Record the decision whether to notify, and why, before closing."))
    running = [str(clock.rule) for clock in breach.clocks.filter(status="running").select_related("rule__jurisdiction")]
    if running:
        raise ValidationError(_("These notifications are still owed: %(clocks)s.") % {"clocks": "; ".join(running)})
    owed = [
        str(c.rule) for c in breach.clocks.filter(status="late").select_related("rule__jurisdiction") if c.reason_owed
    ]
    if owed:
        raise ValidationError(
            _("Record the reasons for the delay of these late notifications first: %(clocks)s.")
            % {"clocks": "; ".join(owed)}
        )
    breach.status = Breach.Status.CLOSED
    breach.closed_at = timezone.now()
    breach.full_clean()
    record_actor(breach, actor=actor, reason="closed")
    breach.save(update_fields=["status", "closed_at", "updated_at"])
    return breach
