"""What the subject-request app shows on a person's admin page (apps.core.admin, subject
panels): their requests, open ones first by deadline, then the latest closed ones."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import SubjectPanel, register_subject_panel
from apps.subject_requests.admin.queue import QUEUE_ORDERING
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.deadlines import clock, with_deadline


def requests_of(subject) -> str:
    """The person's requests (P-30) for their page: open ones first, by deadline, then the latest
    closed ones; a LIMIT, and a link to the whole list (the list's search finds them by address)."""
    requests = list(
        with_deadline(SubjectRequest.objects.filter(subject=subject))
        .select_related("jurisdiction")
        .order_by(*QUEUE_ORDERING)[:10]
    )
    # An exact filter on the account, not the search box: a search for an@x.io also finds jan@x.io.
    changelist = reverse("admin:subject_requests_subjectrequest_changelist")
    full = f"{changelist}?{urlencode({'account': str(subject.reference)})}"
    link = format_html('<p><a href="{}">{}</a></p>', full, _("All of this person's requests"))
    if not requests:
        return format_html("<p>{}</p>{}", _("None."), link)
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a>: {}, {} — {}</li>',
        (
            (
                reverse("admin:subject_requests_subjectrequest_change", args=[r.pk]),
                r.short_reference,
                r.get_request_type_display(),
                r.get_status_display(),
                _deadline_words(r),
            )
            for r in requests
        ),
    )
    return format_html("<ul>{}</ul>{}", items, link)


def _deadline_words(request: SubjectRequest) -> str:
    state = clock(request)
    if state.deadline is None:
        return str(_("no deadline"))
    return _("deadline %(date)s (%(state)s)") % {"date": f"{state.deadline:%Y-%m-%d}", "state": state.label}


register_subject_panel(
    SubjectPanel(
        key="open_requests",
        title=gettext_lazy("Subject requests"),
        permission="subject_requests.view_subjectrequest",
        render=requests_of,
        order=30,
    )
)
