"""What a staff member sees of a customer's service data under an active content-access grant (P-24).

Plugged into the disclosures app's staff page (/admin/customer-content/<reference>/) through its
hook (``register_content_sections``, ``register_staff_look_describer``; ServiceDataConfig.ready):
disclosures sits below this app and cannot import it. Files open through the checked view in
``admin.staff_access``, which logs every opening; the describer turns those logs into words on
the customer's Your Account → Staff access page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.clock import organisation_time
from apps.disclosures.models import StaffAccessEvent
from apps.disclosures.selectors.access import ContentRow, ContentSection
from apps.service_data.models import CalendarEntry, ContentItem, SharedPost, SupportCommunication

# The newest rows of each kind; the staff member resolves one issue, not a whole history.
ROWS_PER_SECTION = 100
# Support notes are the company's own correspondence: the roles that handle support see them.
SUPPORT_PERMISSION = "service_data.view_supportcommunication"
# The path of a logged opening names the item by its reference (never the file's name).
_OPENED_ITEM = re.compile(r"/files/(?P<item>[0-9a-f-]{36})/")


def _when(moment) -> str:
    # Staff read the organisation's wall clock, as everywhere in the admin.
    return date_format(organisation_time(moment), "SHORT_DATETIME_FORMAT") if moment else ""


def _size(size: int) -> str:
    return _("%(size)s bytes") % {"size": intcomma(size)}


def content_file_url(*, customer: User, item: ContentItem) -> str:
    return reverse("admin:service_data_staff_file", kwargs={"reference": customer.reference, "item": item.reference})


def content_sections(*, customer: User, staff: User) -> list[ContentSection]:
    """The customer's files, shared posts, calendar and (for support roles) support notes."""
    items = ContentItem.objects.filter(owner=customer).order_by("-created_at")
    posts = SharedPost.objects.filter(author=customer).select_related("picture").order_by("-created_at")
    entries = CalendarEntry.objects.filter(owner=customer).order_by("-starts_at")
    sections = [
        ContentSection(
            title=_("Files"),
            columns=(_("Uploaded"), _("Kind"), _("Title"), _("Type"), _("Size")),
            rows=[
                ContentRow(
                    cells=(_when(i.created_at), i.get_kind_display(), i.title, i.content_type, _size(i.size)),
                    open_url=content_file_url(customer=customer, item=i),
                    open_label=_("Open (logged)"),
                )
                for i in items[:ROWS_PER_SECTION]
            ],
            total=items.count(),
            note=_("Each file you open is logged and shown to the customer."),
        ),
        ContentSection(
            title=_("Shared posts"),
            columns=(_("Shared"), _("Text"), _("Picture")),
            rows=[
                ContentRow(
                    cells=(_when(p.created_at), p.text, p.picture.title if p.picture else ""),
                    open_url=content_file_url(customer=customer, item=p.picture) if p.picture else "",
                    open_label=_("Open the picture (logged)"),
                )
                for p in posts[:ROWS_PER_SECTION]
            ],
            total=posts.count(),
        ),
        ContentSection(
            title=_("Calendar"),
            columns=(_("Starts"), _("Ends"), _("Title"), _("Place"), _("Source")),
            rows=[
                ContentRow(cells=(_when(e.starts_at), _when(e.ends_at), e.title, e.location, e.get_source_display()))
                for e in entries[:ROWS_PER_SECTION]
            ],
            total=entries.count(),
        ),
    ]
    if staff.has_perm(SUPPORT_PERMISSION):
        notes = SupportCommunication.objects.filter(customer=customer).order_by("-occurred_at")
        sections.append(
            ContentSection(
                title=_("Support conversations"),
                columns=(_("When"), _("Channel"), _("Direction"), _("Subject"), _("Message or notes")),
                rows=[
                    ContentRow(
                        cells=(
                            _when(n.occurred_at),
                            n.get_channel_display(),
                            n.get_direction_display(),
                            n.subject_line,
                            n.body,
                        )
                    )
                    for n in notes[:ROWS_PER_SECTION]
                ],
                total=notes.count(),
            )
        )
    return sections


def content_item_get_for_staff(*, customer: User, reference: uuid.UUID) -> ContentItem:
    """One of ``customer``'s files; another customer's (or an unknown one) is a 404."""
    item = ContentItem.objects.filter(owner=customer, reference=reference).first()
    if item is None:
        raise Http404
    return item


def describe_staff_looks(events: Sequence[StaffAccessEvent]) -> dict[int, str]:
    """For the customer: which of their files a staff member opened, by its title and kind."""
    opened: dict[int, tuple[uuid.UUID, int]] = {}
    for event in events:
        if event.kind != StaffAccessEvent.Kind.CONTENT_VIEW:
            continue
        match = _OPENED_ITEM.search(event.path)
        if match:
            try:
                opened[event.pk] = (uuid.UUID(match["item"]), event.customer_id)
            except ValueError:
                continue
    if not opened:
        return {}
    # One query for the page of events; an item counts only as its own customer's.
    items = {
        (item.reference, item.owner_id): item
        for item in ContentItem.objects.filter(
            reference__in={reference for reference, _customer in opened.values()},
            owner_id__in={customer for _reference, customer in opened.values()},
        ).only("reference", "owner_id", "kind", "title")
    }
    words: dict[int, str] = {}
    for event_id, key in opened.items():
        item = items.get(key)
        if item is None:
            words[event_id] = _("Opened one of your files (since deleted)")
        else:
            words[event_id] = _("Opened your %(kind)s “%(title)s”") % {
                "kind": item.get_kind_display().lower(),
                "title": item.title,
            }
    return words
