"""Admin for privacy policy versions and their change notices (P-16).

Every write goes through ``apps.consent.services.policy``: saving and deleting a version, scheduling
its change notice and resuming a notice that failed. The notice mailings themselves are shown
here (on the version's page and on the notices page) rather than registered as a model admin:
the Mailing admin is ``apps.consent.admin.marketing``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.consent.domain.policy import (
    LOCKED_FIELDS,
    NOTICE_LEAD_DAYS,
    VersionState,
    policy_notice_earliest_effective_date,
)
from apps.consent.forms import PolicyVersionForm
from apps.consent.models import Mailing, PolicyVersion
from apps.consent.selectors.policy import policy_in_force, policy_notice_get, policy_notices, policy_version_is_locked
from apps.consent.services.policy import (
    policy_notice_resume,
    policy_notice_schedule,
    policy_version_delete,
    policy_version_save,
)
from apps.core.admin import TrackedModelAdmin
from apps.core.clock import organisation_today

CHANGE_PERMISSION = "consent.change_policyversion"
VIEW_PERMISSION = "consent.view_policyversion"


class VersionStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            (VersionState.IN_FORCE, _("In force")),
            (VersionState.UPCOMING, _("Takes effect later")),
            (VersionState.SUPERSEDED, _("Replaced")),
        ]

    def queryset(self, request, queryset):
        today = organisation_today()
        in_force = policy_in_force()
        if self.value() == VersionState.UPCOMING:
            return queryset.filter(effective_on__gt=today)
        if self.value() == VersionState.IN_FORCE:
            return queryset.filter(pk=in_force.pk if in_force else None)
        if self.value() == VersionState.SUPERSEDED:
            queryset = queryset.filter(effective_on__lte=today)
            return queryset.exclude(pk=in_force.pk) if in_force else queryset
        return queryset


class NoticeFilter(admin.SimpleListFilter):
    title = gettext_lazy("change notice")
    parameter_name = "notice"

    def lookups(self, request, model_admin):
        return [("none", _("Not scheduled")), *Mailing.Status.choices]

    def queryset(self, request, queryset):
        notices = Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE)
        if self.value() == "none":
            return queryset.exclude(pk__in=notices.values("policy_version"))
        if self.value() in Mailing.Status.values:
            return queryset.filter(pk__in=notices.filter(status=self.value()).values("policy_version"))
        return queryset


@admin.register(PolicyVersion)
class PolicyVersionAdmin(TrackedModelAdmin):
    form = PolicyVersionForm
    list_display = ("version", "effective_on", "state_display", "material_change", "notice_display")
    list_filter = (VersionStateFilter, "material_change", NoticeFilter, ("effective_on", admin.DateFieldListFilter))
    search_fields = ("version", "summary_en", "summary_vi", "body_en", "body_vi")
    date_hierarchy = "effective_on"
    ordering = ("-effective_on", "-pk")
    actions = ("schedule_notice_action",)
    change_form_template = "admin/consent/policyversion/change_form.html"
    change_list_template = "admin/consent/policyversion/change_list.html"

    # --- list ---------------------------------------------------------------------------

    def get_queryset(self, request):
        in_force = PolicyVersion.objects.filter(effective_on__lte=organisation_today()).order_by("-effective_on", "-pk")
        notices = Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE, policy_version=OuterRef("pk"))
        # One query for the list, whatever its length: the state and the notice come with each row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                in_force_pk=Subquery(in_force.values("pk")[:1]),
                notice_status=Subquery(notices.values("status")[:1]),
                notice_sent=Subquery(notices.values("sent_count")[:1]),
                notice_audience=Subquery(notices.values("audience_size")[:1]),
            )
        )

    @admin.display(description=gettext_lazy("state"))
    def state_display(self, obj: PolicyVersion) -> str:
        if obj.effective_on > organisation_today():
            return _("Takes effect on %(date)s") % {"date": obj.effective_on.isoformat()}
        return _("In force") if obj.pk == getattr(obj, "in_force_pk", None) else _("Replaced")

    @admin.display(description=gettext_lazy("change notice"))
    def notice_display(self, obj: PolicyVersion) -> str:
        status = getattr(obj, "notice_status", None)
        if not status:
            return "—"
        sent, audience = getattr(obj, "notice_sent", 0) or 0, getattr(obj, "notice_audience", 0) or 0
        return format_html("{} ({}/{})", Mailing.Status(status).label, sent, audience)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Deleting in bulk would skip the one-by-one check that a version never took effect.
        actions.pop("delete_selected", None)
        if not request.user.has_perm(CHANGE_PERMISSION):
            actions.pop("schedule_notice_action", None)
        return actions

    @admin.action(description=gettext_lazy("Schedule the change notice"))
    def schedule_notice_action(self, request, queryset):
        for version in queryset:
            self._schedule(request, version)

    # --- one version ----------------------------------------------------------------------

    def get_readonly_fields(self, request, obj=None):
        fields = ["created_at", "updated_at"] if obj is not None else []
        if obj is not None and policy_version_is_locked(obj):
            fields = [*LOCKED_FIELDS, *fields]
        return fields

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and policy_version_is_locked(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        policy_version_save(version=obj, actor=request.user)

    def delete_model(self, request, obj) -> None:
        policy_version_delete(version=obj, actor=request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if object_id.isdigit() else None
        if obj is not None:
            extra_context = {**(extra_context or {}), **self._notice_context(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _notice_context(self, request, version: PolicyVersion) -> dict:
        notice = policy_notice_get(version)
        may_change = request.user.has_perm(CHANGE_PERMISSION)
        blocker = ""
        if notice is None:
            if not version.material_change:
                blocker = _("Not a material change: no notice is sent.")
            elif version.effective_on < policy_notice_earliest_effective_date():
                blocker = _(
                    "It takes effect in less than %(days)s days: it is too late to announce it. Move its effective "
                    "date to %(earliest)s or later first."
                ) % {
                    "days": NOTICE_LEAD_DAYS,
                    "earliest": policy_notice_earliest_effective_date().isoformat(),
                }
        return {
            "notice": notice,
            "notice_blocker": blocker,
            "can_schedule_notice": may_change and notice is None and not blocker,
            "can_resume_notice": may_change and notice is not None and notice.status == Mailing.Status.FAILED,
        }

    # --- pages beside the model admin ---------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("notices/", wrap(self.notices_view), name="consent_policyversion_notices"),
            path(
                "<str:object_id>/schedule-notice/",
                wrap(self.schedule_notice_view),
                name="consent_policyversion_schedule_notice",
            ),
            path(
                "<str:object_id>/resume-notice/",
                wrap(self.resume_notice_view),
                name="consent_policyversion_resume_notice",
            ),
            *super().get_urls(),
        ]

    def _version_for_post(self, request, object_id: str) -> PolicyVersion:
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        if not object_id.isdigit():
            raise Http404
        return get_object_or_404(PolicyVersion, pk=object_id)

    def _schedule(self, request, version: PolicyVersion) -> bool:
        try:
            notice = policy_notice_schedule(version=version, actor=request.user)
        except ValidationError as error:
            self.message_user(request, f"{version.version}: {' '.join(error.messages)}", messages.ERROR)
            return False
        self.message_user(
            request,
            _("%(version)s: the change notice is queued for %(count)s customers.")
            % {"version": version.version, "count": notice.audience_size},
            messages.SUCCESS,
        )
        return True

    def schedule_notice_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        version = self._version_for_post(request, object_id)
        self._schedule(request, version)
        return HttpResponseRedirect(reverse("admin:consent_policyversion_change", args=[version.pk]))

    def resume_notice_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        version = self._version_for_post(request, object_id)
        try:
            notice = policy_notice_resume(version=version, actor=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("The notice is queued again: %(left)s customers still to receive it.")
                % {"left": notice.audience_size - notice.sent_count},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:consent_policyversion_change", args=[version.pk]))

    def notices_view(self, request):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        notices = list(policy_notices())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Policy change notices"),
            "notices": notices,
            "in_progress": any(n.status in (Mailing.Status.QUEUED, Mailing.Status.SENDING) for n in notices),
            "may_change": request.user.has_perm(CHANGE_PERMISSION),
        }
        return TemplateResponse(request, "admin/consent/policyversion/notices.html", context)
