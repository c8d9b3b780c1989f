"""The breach register for officers: list with search and filters, the record with its clocks in
hours, the CSV for a regulator, and the pages of each step (people, notices: admin/people.py,
admin/notices.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.breaches.admin.notices import NoticePagesMixin
from apps.breaches.admin.people import PeoplePagesMixin
from apps.breaches.domain import HOME_JURISDICTIONS, hours_left
from apps.breaches.forms import AssessmentForm
from apps.breaches.models import Breach, BreachClock
from apps.breaches.selectors.clocks import breach_clocks
from apps.breaches.selectors.register import register_rows
from apps.breaches.services.register import breach_assess, breach_close, breach_open, breach_save
from apps.core.admin import ObjectIdAdminMixin, TrackedModelAdmin
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.clock import organisation_time, organisation_today, organisation_zone_name
from apps.core.spreadsheets import SpreadsheetWriter


class _Echo:
    def write(self, value: str) -> str:
        return value


def when_text(moment) -> str:
    """A moment on the organisation's wall clock; the panel's headings name the zone."""
    return f"{organisation_time(moment):%Y-%m-%d %H:%M}" if moment else "—"


def hours_text(clock: BreachClock, left: int | None) -> str:
    if clock.status != BreachClock.Status.RUNNING:
        return str(clock.get_status_display())
    if clock.due_at is None:
        return _("without undue delay (no fixed hours)")
    if left is not None and left < 0:
        return ngettext("overdue by %(hours)d hour", "overdue by %(hours)d hours", -left) % {"hours": -left}
    hours = left or 0
    return ngettext("%(hours)d hour left", "%(hours)d hours left", hours) % {"hours": hours}


@admin.register(Breach)
class BreachAdmin(PeoplePagesMixin, NoticePagesMixin, ObjectIdAdminMixin, TrackedModelAdmin):
    list_display = ("number", "title", "status", "risk", "aware_at", "time_left", "officer")
    list_display_links = ("number", "title")
    list_filter = ("status", "risk", "decision")
    search_fields = ("number", "title", "description")
    date_hierarchy = "aware_at"
    list_select_related = ("officer",)
    actions = ["export_csv"]
    readonly_fields = ("number", "status", "risk", "clocks_panel", "next_steps", "closed_at", "public_notice_at")
    fieldsets = (
        (None, {"fields": ("number", "title", "status", "officer", "clocks_panel", "next_steps")}),
        (
            gettext_lazy("What happened (Art. 33(5))"),
            {
                "fields": (
                    "occurred_at",
                    "occurred_until",
                    "aware_at",
                    "discovered_how",
                    "description",
                    "systems",
                    "categories",
                    "models_involved",
                    "jurisdictions",
                    "approx_people",
                    "approx_records",
                )
            },
        ),
        (
            gettext_lazy("Consequences, measures and the decision"),
            {
                "fields": (
                    "consequences",
                    "consequences_vi",
                    "measures_taken",
                    "measures_taken_vi",
                    "measures_proposed",
                    "measures_proposed_vi",
                    "risk",
                    "decision",
                    "decision_reasoning",
                    "contact_point",
                )
            },
        ),
        (
            gettext_lazy("The people's notice (Art. 34(2))"),
            {
                "fields": (
                    "notice_summary_en",
                    "notice_summary_vi",
                    "notice_advice_en",
                    "notice_advice_vi",
                    "public_notice_at",
                    "closed_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_open:
            return [f.name for f in Breach._meta.concrete_fields if f.editable] + list(self.readonly_fields)
        if obj is not None:
            return (*self.readonly_fields, "aware_at")  # the clocks started from it
        return self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # Readers (auditors) get the record and its clocks; the steps are officers' pages.
            first = tuple(name for name in self.fieldsets[0][1]["fields"] if name != "next_steps")
            return ((None, {"fields": first}), *self.fieldsets[1:])
        if obj is None:
            return (
                (None, {"fields": ("title", "officer", "aware_at", "occurred_at", "discovered_how", "description")}),
                (None, {"fields": ("categories", "jurisdictions", "contact_point")}),
            )
        return self.fieldsets

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the register keeps every incident (Art. 33(5))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        if change:
            breach_save(breach=obj, actor=request.user, reason="Changed in the admin")
            return
        opened = breach_open(
            title=obj.title,
            description=obj.description,
            aware_at=obj.aware_at,
            occurred_at=obj.occurred_at,
            discovered_how=obj.discovered_how,
            categories=obj.categories,
            jurisdictions=obj.jurisdictions or None,
            officer=obj.officer,
            contact_point=obj.contact_point,
            actor=request.user,
        )
        obj.pk, obj.number, obj.reference = opened.pk, opened.number, opened.reference

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "jurisdictions" in form.base_fields:
            from django.conf import settings

            form.base_fields["jurisdictions"].initial = list(
                getattr(settings, "BREACHES_HOME_JURISDICTIONS", HOME_JURISDICTIONS)
            )
        return form

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # A service's rule the form could not know (a closed breach, awareness in the future).
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(request.path)

    def get_queryset(self, request):
        # The list's "time left" reads each breach's clocks from one prefetch, not a query a row.
        clocks = BreachClock.objects.select_related("rule__jurisdiction")
        return super().get_queryset(request).prefetch_related(Prefetch("clocks", queryset=clocks))

    @admin.display(description=gettext_lazy("time left"))
    def time_left(self, obj: Breach) -> str:
        if not obj.is_open:
            return "—"
        now = timezone.now()
        running = [
            (c.due_at, c) for c in obj.clocks.all() if c.status == BreachClock.Status.RUNNING and c.due_at is not None
        ]
        if not running:
            return "—"
        due_at, clock = min(running, key=lambda pair: pair[0])
        return f"{hours_text(clock, hours_left(due_at, now))} ({clock.rule.jurisdiction.code})"

    @admin.display(description=gettext_lazy("clocks"))
    def clocks_panel(self, obj: Breach | None) -> str:
        if obj is None or obj.pk is None:
            return "—"
        rows = breach_clocks(obj)
        if not rows:
            return _("No notification is owed yet.")
        return format_html(
            '<table class="breach-clocks"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Notification"),
            _("Due (%(zone)s)") % {"zone": organisation_zone_name()},
            _("Time left"),
            _("Notified (%(zone)s)") % {"zone": organisation_zone_name()},
            format_html_join(
                "",
                '<tr><td>{}</td><td>{}</td><td data-testid="clock-hours">{}</td><td>{}</td></tr>',
                (
                    (
                        str(clock.rule),
                        when_text(clock.due_at),
                        hours_text(clock, left),
                        when_text(clock.done_at)
                        + (f" — {clock.delay_reason}" if clock.delay_reason else "")
                        + (" — " + _("the reasons for the delay are owed") if clock.reason_owed else ""),
                    )
                    for clock, left in rows
                ),
            ),
        )

    @admin.display(description=gettext_lazy("next steps"))
    def next_steps(self, obj: Breach | None) -> str:
        if obj is None or obj.pk is None:
            return "—"
        links = [
            ("breaches_breach_document", _("The authority's notification (printable)")),
        ]
        if obj.is_open:
            links = [
                ("breaches_breach_assess", _("Assess the risk")),
                ("breaches_breach_affected", _("Find the people affected")),
                *links,
                ("breaches_breach_submission", _("Record a submission to an authority")),
                ("breaches_breach_notify", _("Email the people affected")),
                *(
                    [("breaches_breach_notify", _("Record the reasons for a late notice"))]
                    if any(clock.reason_owed for clock in obj.clocks.all())
                    else []
                ),
                ("breaches_breach_publish", _("Publish a public notice")),
                ("breaches_breach_close", _("Close the breach")),
            ]
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", '<li><a href="{}">{}</a></li>', ((reverse(f"admin:{n}", args=[obj.pk]), t) for n, t in links)
            ),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/assess/", view(self.assess_view), name="breaches_breach_assess"),
            path("<path:object_id>/close/", view(self.close_view), name="breaches_breach_close"),
            *self.people_urls(view),
            *self.notice_urls(view),
            *super().get_urls(),
        ]

    # --- Shared by the step pages ------------------------------------------------------------

    def _breach(self, request, object_id, *, change: bool = True) -> Breach:
        from apps.core.admin import is_object_id

        if not is_object_id(object_id):
            raise PermissionDenied
        breach = get_object_or_404(Breach.objects.select_related("officer", "mailing"), pk=object_id)
        allowed = self.has_change_permission(request, breach) if change else self.has_view_permission(request, breach)
        if not allowed:
            raise PermissionDenied
        return breach

    def _page(self, request, original: Breach, template: str, title: str, **context):
        return TemplateResponse(
            request,
            f"admin/breaches/breach/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": original,
                "title": title,
                "change_url": reverse("admin:breaches_breach_change", args=[original.pk]),
                **context,
            },
        )

    def _done(self, request, breach: Breach, message: str):
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:breaches_breach_change", breach.pk)

    def assess_view(self, request, object_id):
        breach = self._breach(request, object_id)
        form = AssessmentForm(request.POST or None, initial={"people": breach.approx_people})
        if request.method == "POST" and form.is_valid():
            try:
                assessment = breach_assess(
                    breach=breach, factors=form.factors(), notes=form.cleaned_data["notes"], actor=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self._done(request, breach, _("Assessed: %(risk)s.") % {"risk": assessment.get_risk_display()})
        return self._page(
            request,
            breach,
            "form.html",
            _("Assess the risk"),
            form=form,
            submit=_("Record the assessment"),
            assessments=breach.assessments.all(),
        )

    def close_view(self, request, object_id):
        breach = self._breach(request, object_id)
        errors = []
        if request.method == "POST":
            try:
                breach_close(breach=breach, actor=request.user)
            except ValidationError as error:
                errors = error.messages
            else:
                return self._done(request, breach, _("The breach is closed."))
        return self._page(
            request,
            breach,
            "confirm.html",
            _("Close the breach"),
            errors=errors,
            question=_("Close this breach? It stays in the register as it is now."),
            submit=_("Yes, close it"),
        )

    @admin.action(description=gettext_lazy("Export the register as CSV (for a regulator)"))
    @fresh_second_factor_required
    def export_csv(self, request, queryset):
        writer = SpreadsheetWriter(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in register_rows(queryset)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="breach-register-{organisation_today()}.csv"'
        return response
