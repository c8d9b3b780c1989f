"""Staff access to a customer's content (P-24) and the audit of every staff look (P-25): the writes.

- Support: a staff member asks, the customer approves or denies in Your Account; an approval
  opens the content for ``SUPPORT_ACCESS_DURATION``.
- Legal process: access is immediate for ``LEGAL_ACCESS_DURATION`` and the customer is emailed
  straight after the commit, unless the staff member gives a reason to withhold it (a court
  order forbidding it, say). A withheld grant, and the looks made under it, stay out of the
  customer's Your Account page; auditors still see them in the admin.

The durations and permissions are in ``domain``, the reads in ``selectors.access``. Used by
views.access (Your Account), admin.access (the staff page and the grants admin) and
accounts.admin (record views).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import record_actor
from apps.disclosures.domain import (
    LEGAL_ACCESS_DURATION,
    LEGAL_PERMISSION,
    REQUEST_PERMISSION,
    REVOKE_ANY_PERMISSION,
    SUPPORT_ACCESS_DURATION,
)
from apps.disclosures.models import ContentAccessGrant, StaffAccessEvent
from apps.disclosures.selectors.access import content_access_open_grants, staff_display_name

logger = logging.getLogger(__name__)

Purpose = ContentAccessGrant.Purpose
Status = ContentAccessGrant.Status
Kind = StaffAccessEvent.Kind


@transaction.atomic(durable=True)
def content_access_request(
    *,
    staff: User,
    customer: User,
    purpose: str,
    reason: str,
    ticket_reference: str = "",
    withhold_notification_reason: str = "",
) -> ContentAccessGrant:
    """Ask for access to ``customer``'s content: support waits for them, legal is immediate."""
    reason = (reason or "").strip()
    ticket_reference = (ticket_reference or "").strip()
    withhold_notification_reason = (withhold_notification_reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not staff.is_staff or not staff.is_active:
        raise PermissionDenied(_("Only staff can ask for access to a customer's content."))
    if not staff.has_perm(REQUEST_PERMISSION):
        raise PermissionDenied(_("Your role cannot ask for access to customers' content."))
    if staff.pk == customer.pk:
        errors.setdefault("__all__", []).append(_("You cannot ask for access to your own content."))
    if purpose not in Purpose.values:
        errors.setdefault("purpose", []).append(_("Choose a purpose: a support issue or a legal process."))
    if not reason:
        errors.setdefault("reason", []).append(_("Say why you need access; the customer will see it."))
    if purpose == Purpose.LEGAL:
        if not staff.has_perm(LEGAL_PERMISSION):
            errors.setdefault("purpose", []).append(
                _("Only a privacy officer can open content for a legal process; ask the customer instead.")
            )
        if not ticket_reference:
            errors.setdefault("ticket_reference", []).append(_("Give the case, order or warrant reference."))
    elif withhold_notification_reason:
        errors.setdefault("withhold_notification_reason", []).append(
            _("Only a legal process can keep the customer from being told.")
        )
    if not errors and content_access_open_grants(staff=staff, customer=customer).exists():
        errors.setdefault("__all__", []).append(
            _("You already have a request waiting or access open for this customer.")
        )
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    grant = ContentAccessGrant(
        customer=customer,
        staff=staff,
        purpose=purpose,
        reason=reason,
        ticket_reference=ticket_reference,
        status=Status.REQUESTED,
    )
    if purpose == Purpose.LEGAL:
        grant.status = Status.APPROVED
        grant.decided_at = now
        grant.expires_at = now + LEGAL_ACCESS_DURATION
        grant.notification_withheld_reason = withhold_notification_reason
    grant.full_clean()
    record_actor(grant, actor=staff, reason=f"content access requested ({purpose})")
    grant.save()
    if not grant.notification_withheld_reason:
        # Support: so the customer knows a request waits for them. Legal: prompt notice afterwards.
        grant_id = grant.pk
        transaction.on_commit(lambda: _notify_customer(grant_id))
    return grant


@transaction.atomic(durable=True)
def content_access_decide(*, grant: ContentAccessGrant, customer: User, approve: bool) -> ContentAccessGrant:
    """The customer approves or denies a support request of theirs that is still waiting."""
    grant = ContentAccessGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.customer_id != customer.pk:
        raise PermissionDenied(_("Only the customer can decide on access to their content."))
    if grant.status != Status.REQUESTED:
        raise ValidationError(_("This request has already been decided."))
    now = timezone.now()
    grant.decided_at = now
    if approve:
        grant.status = Status.APPROVED
        grant.expires_at = now + SUPPORT_ACCESS_DURATION
    else:
        grant.status = Status.DENIED
    grant.full_clean()
    record_actor(grant, actor=customer, reason="content access approved" if approve else "content access denied")
    grant.save()
    return grant


@transaction.atomic(durable=True)
def content_access_revoke(*, grant: ContentAccessGrant, actor: User) -> ContentAccessGrant:
    """End a waiting request or open access now: by the customer, the staff member or an officer."""
    grant = ContentAccessGrant.objects.select_for_update().get(pk=grant.pk)
    if actor.pk not in (grant.customer_id, grant.staff_id) and not actor.has_perm(REVOKE_ANY_PERMISSION):
        raise PermissionDenied(_("You cannot end this access."))
    now = timezone.now()
    if grant.status not in (Status.REQUESTED, Status.APPROVED) or (grant.expires_at and grant.expires_at <= now):
        raise ValidationError(_("This access has already ended."))
    grant.status = Status.REVOKED
    if grant.decided_at is None:
        grant.decided_at = now
    if grant.expires_at is None or grant.expires_at > now:
        grant.expires_at = now
    grant.full_clean()
    record_actor(grant, actor=actor, reason="content access revoked")
    grant.save()
    return grant


@transaction.atomic  # not durable: other apps' admin pages call it (accounts.admin's record view)
def staff_access_log(
    *, staff: User, customer: User, kind: str, path: str, grant: ContentAccessGrant | None = None
) -> StaffAccessEvent:
    """Record one staff look at a customer's record or content (append-only)."""
    if kind not in Kind.values:
        raise ValueError(f"unknown staff access kind {kind!r}")
    event = StaffAccessEvent(staff=staff, customer=customer, kind=kind, path=(path or "")[:300], grant=grant)
    # The related rows are instances already: their existence is not queried again.
    event.full_clean(exclude=["staff", "customer", "grant"], validate_unique=False, validate_constraints=False)
    event.save()
    return event


def _notify_customer(grant_id: int) -> None:
    """Email the customer about a request (support) or an access already opened (legal).

    Administrative mail: no unsubscribe, in the customer's language. Runs after the commit;
    a mail failure never undoes the grant, it leaves ``customer_notified_at`` empty instead.
    """
    grant = ContentAccessGrant.objects.select_related("customer", "staff").filter(pk=grant_id).first()
    if grant is None or grant.customer_notified_at or grant.notification_withheld_reason:
        return
    customer = grant.customer
    if not customer.email or not customer.is_active:
        return
    template = "requested" if grant.status == Status.REQUESTED else "granted"
    with (
        translation.override(customer.preferred_language or settings.LANGUAGE_CODE),
        timezone.override(customer.local_time_zone),
    ):
        context = {
            "user": customer,
            "grant": grant,
            "staff_name": staff_display_name(grant.staff),
            "purpose": grant.get_purpose_display(),
            "url": settings.SITE_URL.rstrip("/") + reverse("disclosures_access:customer"),
        }
        subject = render_to_string(f"disclosures/access/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"disclosures/access/email/{template}_body.txt", context)
    try:
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [customer.email])
    except Exception:  # the grant stands; the customer still sees it in Your Account
        logger.exception("could not email the customer about content access grant %s", grant.reference)
        return
    ContentAccessGrant.objects.filter(pk=grant.pk, customer_notified_at__isnull=True).update(
        customer_notified_at=timezone.now()
    )
