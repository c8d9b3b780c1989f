"""What the consent app shows on a person's admin page (apps.core.admin, subject panels): their
current choices and the suppressions on their address, and the "Record consent…" tool (the
evidence page's form, which records through ``consent_record``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.consent.models import ConsentState, Suppression
from apps.core.admin import SubjectPanel, SubjectTool, register_subject_panel, register_subject_tool
from apps.core.clock import organisation_time
from apps.personal_data.domain import address_hash


def choices_and_suppressions(subject) -> str:
    # One row per purpose answered (a few dozen at most) and the address's suppressions.
    states = ConsentState.objects.filter(subject=subject).select_related("purpose").order_by("purpose__code")
    choices = format_html_join(
        "",
        "<li>{}: {} <small>({}, {})</small></li>",
        (
            (
                state.purpose.code,
                _("given") if state.granted else _("withdrawn"),
                state.get_method_display(),
                f"{organisation_time(state.changed_at):%Y-%m-%d}",
            )
            for state in states
        ),
    )
    suppressions = format_html_join(
        "",
        "<li>{}{}: {} <small>({})</small></li>",
        (
            (
                suppression.get_channel_display(),
                f" · {suppression.purpose_code}" if suppression.purpose_code else "",
                suppression.get_reason_display(),
                f"{organisation_time(suppression.created_at):%Y-%m-%d}",
            )
            for suppression in Suppression.objects.filter(address_hash=address_hash(subject.email)).order_by(
                "channel", "purpose_code"
            )[:20]
        ),
    )
    evidence = reverse("admin:consent_evidence", kwargs={"reference": subject.reference})
    return format_html(
        '<h3>{}</h3><ul>{}</ul><h3>{}</h3><ul>{}</ul><p><a href="{}">{}</a></p>',
        _("Current choices"),
        choices or format_html("<li>{}</li>", _("None answered: every optional use is off.")),
        _("Suppressed from marketing"),
        suppressions or format_html("<li>{}</li>", _("Not suppressed.")),
        evidence,
        _("Every choice, with its evidence"),
    )


register_subject_panel(
    SubjectPanel(
        key="consent",
        title=gettext_lazy("Consents and suppressions"),
        permission="consent.view_consentevent",
        render=choices_and_suppressions,
        order=15,
    )
)
register_subject_tool(
    SubjectTool(
        key="record_consent",
        label=gettext_lazy("Record consent…"),
        permission="consent.add_consentevent",
        url=lambda subject: (
            reverse("admin:consent_evidence", kwargs={"reference": subject.reference}) + "#record-consent"
        ),
        order=12,
    )
)
