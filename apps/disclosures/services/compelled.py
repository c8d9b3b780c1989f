"""Compelled disclosures (P-21): a court, police, regulator or government demand, decided by two officers.

The officer who records the demand cannot decide it (four eyes, also a database constraint);
approval appends the disclosure to the register through ``disclosure_record``, so the content,
time, reason and recipient of every compelled disclosure are in the hash-chained ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import record_actor
from apps.disclosures.models import CompelledRequest, Disclosure, Recipient
from apps.disclosures.services.register import disclosure_record
from apps.personal_data.registry import Category

# Who may compel a disclosure, and the legal basis the register records for each.
LEGAL_BASIS_FOR_CATEGORY: dict[str, str] = {
    Recipient.Category.COURT: Disclosure.LegalBasis.COURT_ORDER,
    Recipient.Category.LAW_ENFORCEMENT: Disclosure.LegalBasis.LAW_ENFORCEMENT,
    Recipient.Category.REGULATOR: Disclosure.LegalBasis.REGULATOR,
    Recipient.Category.GOVERNMENT: Disclosure.LegalBasis.LEGAL_OBLIGATION,
}


@transaction.atomic  # not durable: the admin's add view saves inside its own transaction
def compelled_request_receive(
    *,
    actor: User,
    recipient: Recipient,
    requested_by: str,
    authority: str,
    external_reference: str,
    deadline: date | None,
    subjects: Sequence[User],
    data_categories: Sequence[str],
    data_requested: str,
    withhold_from_subjects: bool = False,
    withheld_reason: str = "",
) -> CompelledRequest:
    """Record a demand as received; it then waits for a second officer."""
    errors: dict[str, str] = {}
    if recipient.category not in LEGAL_BASIS_FOR_CATEGORY:
        errors["recipient"] = _(
            "Only a court, law enforcement, a regulator or a government body can compel a disclosure."
        )
    if not subjects:
        errors["subjects"] = _("Name at least one person the demand is about.")
    if not data_categories or set(data_categories) - set(Category.values):
        errors["data_categories"] = _("Choose the categories of data asked for.")
    if withhold_from_subjects and not withheld_reason.strip():
        errors["withheld_reason"] = _("Say why the subjects may not be told (for example, the order's clause).")
    if errors:
        raise ValidationError(errors)
    request = CompelledRequest(
        recipient=recipient,
        requested_by=requested_by.strip(),
        authority=authority.strip(),
        external_reference=external_reference.strip(),
        deadline=deadline,
        data_categories=sorted(set(data_categories)),
        data_requested=data_requested.strip(),
        received_by=actor,
        withhold_from_subjects=withhold_from_subjects,
        withheld_reason=withheld_reason.strip() if withhold_from_subjects else "",
    )
    request.full_clean()
    record_actor(request, actor=actor, reason="compelled request received")
    request.save()
    request.subjects.set(subjects)
    return request


def _check_decidable(request: CompelledRequest, actor: User) -> None:
    if request.status != CompelledRequest.Status.AWAITING_APPROVAL:
        raise ValidationError(
            _("This request has already been decided (%(status)s).") % {"status": request.get_status_display()}
        )
    if actor.pk == request.received_by_id:
        raise ValidationError(_("The officer who recorded a compelled request cannot decide it: ask a second officer."))


@transaction.atomic(durable=True)
def compelled_request_approve(
    *, request: CompelledRequest, actor: User, description: str, disclosed_at: datetime | None = None
) -> CompelledRequest:
    """A second officer approves: the disclosure is appended to the register and linked."""
    request = CompelledRequest.objects.select_for_update().get(pk=request.pk)
    _check_decidable(request, actor)
    if not description.strip():
        raise ValidationError({"description": _("Describe what is handed over (never paste the data).")})
    disclosed_at = disclosed_at or timezone.now()
    withheld = request.withhold_from_subjects
    disclosure = disclosure_record(
        recipient=request.recipient,
        subjects=list(request.subjects.all()),
        data_categories=request.data_categories,
        description=description,
        disclosed_at=disclosed_at,
        reason=_("Compelled disclosure under %(authority)s") % {"authority": request.authority},
        legal_basis=LEGAL_BASIS_FOR_CATEGORY[request.recipient.category],
        actor=actor,
        external_reference=request.external_reference,
        requested_by=request.requested_by,
        approved_by=actor,
        visibility=Disclosure.Visibility.WITHHELD if withheld else Disclosure.Visibility.VISIBLE,
        withheld_reason=request.withheld_reason if withheld else "",
    )
    request.status = CompelledRequest.Status.APPROVED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.disclosure = disclosure
    request.full_clean()
    record_actor(request, actor=actor, reason=f"approved; disclosure #{disclosure.sequence}")
    request.save()
    return request


@transaction.atomic(durable=True)
def compelled_request_refuse(*, request: CompelledRequest, actor: User, reason: str) -> CompelledRequest:
    """A second officer refuses the demand, with the reason on record."""
    request = CompelledRequest.objects.select_for_update().get(pk=request.pk)
    _check_decidable(request, actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for refusing.")})
    request.status = CompelledRequest.Status.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.refusal_reason = reason.strip()
    request.full_clean()
    record_actor(request, actor=actor, reason="refused")
    request.save()
    return request
