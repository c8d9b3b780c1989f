"""Reads of staff access to a customer's content (P-24) and of the audit of every staff look (P-25).

For the customer's Your Account → Staff access page and their data export (``export_tables``),
the staff page at /admin/customer-content/ (admin.access) and the services. A legal grant whose
notice is withheld, and the looks made under it, stay out of everything the customer sees;
auditors still see them in the admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Field, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Artist, PublicProfile, User
from apps.disclosures.models import CompelledRequest, ContentAccessGrant, Disclosure, StaffAccessEvent
from apps.personal_data.registry import ExportTable

Purpose = ContentAccessGrant.Purpose
Status = ContentAccessGrant.Status
Kind = StaffAccessEvent.Kind


def staff_display_name(staff: User | None) -> str:
    """How staff are named to customers: their name, never their email address."""
    if staff is None:
        return _("A member of our staff")
    return staff.full_name or _("Staff member %(ref)s") % {"ref": str(staff.reference)[:8]}


def content_access_open_grants(*, staff: User, customer: User) -> QuerySet[ContentAccessGrant]:
    """``staff``'s requests for ``customer``'s content that still wait or whose access is open."""
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
    # What was looked at, in words ("Opened your document “Lease”"), when an upper app knows.
    what: str = ""


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
    events = list(events)
    described: dict[int, str] = {}
    for describe in STAFF_LOOK_DESCRIBERS:
        described.update(describe(events))
    return [
        EventRow(
            occurred_at=event.occurred_at,
            staff_name=staff_display_name(event.staff),
            kind=event.get_kind_display(),
            what=described.get(event.pk, ""),
        )
        for event in events
    ]


# --- Content held by upper apps (the hook; see docs/adding-an-app.md) ---------------------------
#
# This app sits below the apps that hold a customer's files and records, so it cannot import
# them. Each such app registers, from its AppConfig.ready, a provider of "content sections" for
# the staff page and a describer that puts its staff looks into words for the customer.


@dataclass(frozen=True)
class ContentRow:
    cells: tuple[Any, ...]
    open_url: str = ""  # a checked view that logs the opening (empty: nothing to open)
    open_label: str = ""


@dataclass(frozen=True)
class ContentSection:
    """One kind of content on the staff page: a titled table, each row possibly openable."""

    title: str
    columns: tuple[str, ...]
    rows: list[ContentRow] = field(default_factory=list)
    total: int = 0  # how many the customer holds (rows may show only the newest)
    note: str = ""


# provider(customer=..., staff=...) → the sections the staff member may see (role checks are
# the provider's), called only under an active grant.
ContentSectionProvider = Callable[..., Sequence[ContentSection]]
# describer(events) → {event id: words}, for the events it recognises (by their ``path``).
StaffLookDescriber = Callable[[Sequence[StaffAccessEvent]], dict[int, str]]

CONTENT_SECTION_PROVIDERS: list[ContentSectionProvider] = []
STAFF_LOOK_DESCRIBERS: list[StaffLookDescriber] = []


def register_content_sections(provider: ContentSectionProvider) -> None:
    """Add an upper app's content to the staff page (idempotent: ready() may run twice in tests)."""
    if provider not in CONTENT_SECTION_PROVIDERS:
        CONTENT_SECTION_PROVIDERS.append(provider)


def register_staff_look_describer(describer: StaffLookDescriber) -> None:
    if describer not in STAFF_LOOK_DESCRIBERS:
        STAFF_LOOK_DESCRIBERS.append(describer)


def content_sections(*, customer: User, staff: User) -> list[ContentSection]:
    return [section for provider in CONTENT_SECTION_PROVIDERS for section in provider(customer=customer, staff=staff)]


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
    sections: list[ContentSection] = field(default_factory=list)


def _visibility_label(name: str) -> str:
    field = PublicProfile._meta.get_field(name)
    assert isinstance(field, Field)  # VISIBILITY_FIELDS are the profile's own columns, not relations
    return str(field.verbose_name)


def customer_content(*, customer: User, staff: User | None = None) -> CustomerContent:
    profile = PublicProfile.objects.filter(user=customer).first()
    visibility = (
        [(_visibility_label(name), getattr(profile, name)) for name in PublicProfile.VISIBILITY_FIELDS]
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
        sections=content_sections(customer=customer, staff=staff) if staff is not None else [],
    )


# --- The export (an apps.personal_data.registry hook, registered in DisclosuresConfig.ready) ---

GRANT_COLUMNS = (
    "reference",
    "created_at",
    "staff",
    "purpose",
    "reason",
    "ticket_reference",
    "status",
    "decided_at",
    "expires_at",
)
EVENT_COLUMNS = ("occurred_at", "staff", "kind", "what", "path")


def export_tables(subject: User) -> Iterator[ExportTable]:
    yield ExportTable(
        stem="staff_access_grants",
        title=_("Staff access requests"),
        columns=GRANT_COLUMNS,
        rows=lambda: _grant_rows(subject),
        labels=(
            _("Reference"),
            _("Asked on (UTC)"),
            _("Staff member"),
            _("Purpose"),
            _("Reason"),
            _("Ticket"),
            _("Status"),
            _("Decided on (UTC)"),
            _("Ends (UTC)"),
        ),
    )
    yield ExportTable(
        stem="staff_access_events",
        title=_("Staff looks at your data"),
        columns=EVENT_COLUMNS,
        rows=lambda: _event_rows(subject),
        labels=(_("Time (UTC)"), _("Staff member"), _("Kind"), _("What they did"), _("Page")),
    )


def _grant_rows(subject: User) -> Iterator[tuple[Any, ...]]:
    # As Your Account → Staff access shows them: a grant whose notice is withheld stays out.
    for grant in customer_visible_grants(customer=subject).select_related("staff").iterator(chunk_size=500):
        yield (
            str(grant.reference),
            grant.created_at,
            staff_display_name(grant.staff),
            grant.get_purpose_display(),
            grant.reason,
            grant.ticket_reference,
            grant.get_status_display(),
            grant.decided_at,
            grant.expires_at,
        )


def _event_rows(subject: User) -> Iterator[tuple[Any, ...]]:
    # In batches, so the upper apps' describers say which item each look opened in one query
    # per batch, as on the Your Account page, with memory flat however long the log.
    batch: list[StaffAccessEvent] = []
    for event in staff_access_events_for_customer(customer=subject).iterator(chunk_size=500):
        batch.append(event)
        if len(batch) == 500:
            yield from _described_rows(batch)
            batch = []
    yield from _described_rows(batch)


def _described_rows(events: list[StaffAccessEvent]) -> Iterator[tuple[Any, ...]]:
    for row, event in zip(staff_access_event_rows(events), events, strict=True):
        yield (row.occurred_at, row.staff_name, row.kind, row.what, event.path)
