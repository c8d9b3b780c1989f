"""What the disclosures app shows on a person's admin page (apps.core.admin, subject panels):
the disclosures about them and every staff look at their record, the latest few of each with a
link to the full list. Each is one indexed query with a LIMIT, whatever the register's size."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import SubjectPanel, register_subject_panel
from apps.core.clock import organisation_time
from apps.disclosures.models import DisclosureSubject, StaffAccessEvent
from apps.personal_data.domain import subject_reference

SHOWN = 10


def disclosures_about(subject) -> str:
    links = list(
        DisclosureSubject.objects.filter(subject_reference=subject_reference(subject))
        .select_related("disclosure__recipient")
        .order_by("-disclosure__disclosed_at", "-pk")[: SHOWN + 1]
    )
    if not links:
        return str(_("None."))
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a>: {} ({})</li>',
        (
            (
                reverse("admin:disclosures_disclosure_change", args=[link.disclosure_id]),
                f"{organisation_time(link.disclosure.disclosed_at):%Y-%m-%d}",
                link.disclosure.recipient.name,
                link.disclosure.get_legal_basis_display(),
            )
            for link in links[:SHOWN]
        ),
    )
    more = _("Only the latest %(count)d are listed here; the register holds them all.") % {"count": SHOWN}
    return format_html("<ul>{}</ul>{}", items, format_html("<p>{}</p>", more) if len(links) > SHOWN else "")


def staff_looks_at(subject) -> str:
    events = list(
        StaffAccessEvent.objects.filter(customer=subject).select_related("staff").order_by("-occurred_at")[:SHOWN]
    )
    full = f"{reverse('admin:disclosures_staffaccessevent_changelist')}?{urlencode({'q': str(subject.reference)})}"
    link = format_html('<p><a href="{}">{}</a></p>', full, _("Every staff look at this person"))
    if not events:
        return format_html("<p>{}</p>{}", _("None."), link)
    items = format_html_join(
        "",
        "<li>{}: {} ({})</li>",
        (
            (f"{organisation_time(event.occurred_at):%Y-%m-%d %H:%M}", event.staff.email, event.get_kind_display())
            for event in events
        ),
    )
    return format_html("<ul>{}</ul>{}", items, link)


register_subject_panel(
    SubjectPanel(
        key="disclosures",
        title=gettext_lazy("Disclosures about them (P-22)"),
        permission="disclosures.view_disclosure",
        render=disclosures_about,
        order=40,
    )
)
register_subject_panel(
    SubjectPanel(
        key="staff_access",
        title=gettext_lazy("Staff access to their record (P-25)"),
        permission="disclosures.view_staffaccessevent",
        render=staff_looks_at,
        order=60,
    )
)
