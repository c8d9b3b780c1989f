"""Staff access to a customer's content (P-24) and the audit of every staff look (P-25).

Services (writes) and selectors (reads) for ``ContentAccessGrant`` and ``StaffAccessEvent``.

- Support: a staff member asks, the customer approves or denies in Your Account; an approval
  opens the content for ``SUPPORT_ACCESS_DURATION``.
- Legal process: access is immediate for ``LEGAL_ACCESS_DURATION`` and the customer is emailed
  straight after the commit, unless the staff member gives a reason to withhold it (a court
  order forbidding it, say). A withheld grant, and the looks made under it, stay out of the
  customer's Your Account page; auditors still see them in the admin.

Used by views_access (customer and staff pages), admin.access and accounts.admin (record views).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import record_actor
from apps.disclosures.models import ContentAccessGrant, StaffAccessEvent

logger = logging.getLogger(__name__)

# Deliberately not settings: changing how long staff may look is a privacy decision, made in code review.
SUPPORT_ACCESS_DURATION = timedelta(hours=2)  # from the customer's approval
LEGAL_ACCESS_DURATION = timedelta(hours=24)  # from the request

# Who may ask for access, and who may open content for a legal process without asking first:
# legal access belongs to the people who handle compelled requests (privacy officers), so a
# support agent cannot skip the customer's approval by choosing "legal".
REQUEST_PERMISSION = "disclosures.add_contentaccessgrant"
LEGAL_PERMISSION = "disclosures.add_compelledrequest"
# Officers may end any grant; the customer and the staff member may end their own.
REVOKE_ANY_PERMISSION = "disclosures.change_contentaccessgrant"

Purpose = ContentAccessGrant.Purpose
Status = ContentAccessGrant.Status
Kind = StaffAccessEvent.Kind


# --- Services ---------------------------------------------------------------------------------


@transaction.atomic
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
    if not errors and _open_grants(staff=staff, customer=customer).exists():
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


@transaction.atomic
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


@transaction.atomic
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


def staff_access_log(
    *, staff: User, customer: User, kind: str, path: str, grant: ContentAccessGrant | None = None
) -> StaffAccessEvent:
    """Record one staff look at a customer's record or content (append-only)."""
    if kind not in Kind.values:
        raise ValueError(f"unknown staff access kind {kind!r}")
    return StaffAccessEvent.objects.create(
        staff=staff, customer=customer, kind=kind, path=(path or "")[:300], grant=grant
    )


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
    with translation.override(customer.preferred_language or settings.LANGUAGE_CODE):
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


# --- Selectors --------------------------------------------------------------------------------


def staff_display_name(staff: User | None) -> str:
    """How staff are named to customers: their name, never their email address."""
    if staff is None:
        return _("A member of our staff")
    return staff.full_name or _("Staff member %(ref)s") % {"ref": str(staff.reference)[:8]}


def _open_grants(*, staff: User, customer: User) -> QuerySet[ContentAccessGrant]:
    return ContentAccessGrant.objects.filter(staff=staff, customer=customer).filter(
        Q(status=Status.REQUESTED) | Q(status=Status.APPROVED, expires_at__gt=timezone.now())
    )


def content_access_active(*, staff: User, customer: User) -> ContentAccessGrant | None:
    """The grant that lets ``staff`` open ``customer``'s content now, if any (approved, not expired)."""
    return (
        ContentAccessGrant.objects.filter(
            staff=staff, customer=customer, status=Status.APPROVED, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def content_access_grants_for_staff(*, staff: User, customer: User) -> QuerySet[ContentAccessGrant]:
    return ContentAccessGrant.objects.filter(staff=staff, customer=customer).order_by("-created_at")


def content_access_customer_get_by_reference(*, reference) -> User:
    """The customer a staff page is about, by their opaque reference; 404 when unknown."""
    customer = User.objects.filter(reference=reference).first()
    if customer is None:
        raise Http404
    return customer


def _visible_to_customer(customer: User) -> QuerySet[ContentAccessGrant]:
    # A legal grant whose notice is withheld must not be revealed by this page either.
    return ContentAccessGrant.objects.filter(customer=customer, notification_withheld_reason="")


def customer_visible_grants(*, customer: User) -> QuerySet[ContentAccessGrant]:
    """The customer's grants they may be told of (Your Account and the data export)."""
    return _visible_to_customer(customer)


def content_access_grant_get_for_customer(*, reference, customer: User) -> ContentAccessGrant:
    """One of the customer's own grants; someone else's (or a hidden one) is a 404."""
    grant = _visible_to_customer(customer).filter(reference=reference).first()
    if grant is None:
        raise Http404
    return grant


@dataclass(frozen=True)
class GrantRow:
    reference: str
    staff_name: str
    purpose: str
    reason: str
    ticket_reference: str
    status: str
    status_label: str
    created_at: datetime
    decided_at: datetime | None
    expires_at: datetime | None
    is_pending: bool
    is_active: bool


@dataclass(frozen=True)
class EventRow:
    occurred_at: datetime
    staff_name: str
    kind: str


def _grant_row(grant: ContentAccessGrant, now: datetime) -> GrantRow:
    active = grant.status == Status.APPROVED and grant.expires_at is not None and grant.expires_at > now
    expired = grant.status == Status.APPROVED and not active
    status_label = _("Expired") if expired else grant.get_status_display()
    return GrantRow(
        reference=str(grant.reference),
        staff_name=staff_display_name(grant.staff),
        purpose=grant.get_purpose_display(),
        reason=grant.reason,
        ticket_reference=grant.ticket_reference,
        status=grant.status,
        status_label=status_label,
        created_at=grant.created_at,
        decided_at=grant.decided_at,
        expires_at=grant.expires_at,
        is_pending=grant.status == Status.REQUESTED,
        is_active=active,
    )


def content_access_grant_rows_for_customer(*, customer: User) -> list[GrantRow]:
    """Every grant the customer may see, newest first, with staff named but never by email."""
    now = timezone.now()
    grants = _visible_to_customer(customer).select_related("staff").order_by("-created_at")
    return [_grant_row(grant, now) for grant in grants]


def _covert_periods(customer: User) -> list[tuple[datetime, datetime | None]]:
    """When a legal process the customer must not hear of concerned them (end None: still does).

    A legal grant with its notice withheld lasts until it expires; a compelled request that
    forbids telling the subject lasts while its disclosure is withheld (or not yet made).
    """
    from apps.disclosures.models import CompelledRequest, Disclosure

    grants = ContentAccessGrant.objects.filter(customer=customer, purpose=Purpose.LEGAL).exclude(
        notification_withheld_reason=""
    )
    periods = [(start, end) for start, end in grants.values_list("created_at", "expires_at")]
    demands = CompelledRequest.objects.filter(subjects=customer, withhold_from_subjects=True).exclude(
        disclosure__visibility=Disclosure.Visibility.VISIBLE
    )
    periods += [(start, None) for start in demands.values_list("created_at", flat=True)]
    return periods


def staff_access_events_for_customer(*, customer: User) -> QuerySet[StaffAccessEvent]:
    """Every staff look at the customer's record or content that does not give away a covert process.

    Looks under a withheld grant are left out, and so are record views in the admin made while a
    covert process concerned the customer: officers open the record to handle it, and a burst
    of views would tip the customer off. Looks before such a process stay, so nothing the
    customer has already seen disappears. Auditors see everything in the admin.
    """
    during_covert_process = Q(pk__in=[])
    for start, end in _covert_periods(customer):
        window = Q(kind=Kind.RECORD_VIEW, occurred_at__gte=start)
        during_covert_process |= window & Q(occurred_at__lte=end) if end else window
    return (
        StaffAccessEvent.objects.filter(customer=customer)
        .exclude(grant__notification_withheld_reason__gt="")
        .exclude(during_covert_process)
        .select_related("staff")
        .order_by("-occurred_at", "-id")
    )


def staff_access_event_rows(events) -> list[EventRow]:
    return [
        EventRow(
            occurred_at=event.occurred_at, staff_name=staff_display_name(event.staff), kind=event.get_kind_display()
        )
        for event in events
    ]


@dataclass(frozen=True)
class CustomerContent:
    """What an approved staff member sees: the customer's content, not their account settings."""

    reference: str
    name: str
    has_picture: bool
    handle: str | None
    display_name: str | None
    visibility: list[tuple[str, bool]]
    followed_artists: list[tuple[str, datetime]]
    followers: list[str]
    follower_count: int


def customer_content(*, customer: User) -> CustomerContent:
    from apps.accounts.models import Artist, PublicProfile

    profile = PublicProfile.objects.filter(user=customer).first()
    visibility = (
        [
            (str(PublicProfile._meta.get_field(name).verbose_name), getattr(profile, name))
            for name in PublicProfile.VISIBILITY_FIELDS
        ]
        if profile
        else []
    )
    artists = list(
        Artist.objects.filter(follows__user=customer)
        .order_by("-follows__followed_at")
        .values_list("name", "follows__followed_at")[:100]
    )
    followers_qs = User.objects.filter(following__followed=customer).order_by("following__created_at")
    followers = [
        handle or name or _("Customer %(ref)s") % {"ref": str(ref)[:8]}
        for handle, name, ref in followers_qs.values_list("public_profile__handle", "full_name", "reference")[:100]
    ]
    return CustomerContent(
        reference=str(customer.reference),
        name=customer.full_name,
        has_picture=bool(customer.profile_picture),
        handle=profile.handle if profile else None,
        display_name=profile.display_name if profile else None,
        visibility=visibility,
        followed_artists=artists,
        followers=followers,
        follower_count=customer.followers.count(),
    )
