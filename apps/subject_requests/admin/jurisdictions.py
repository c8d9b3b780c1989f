"""Jurisdictions and their dated deadline rules, editable by officers, with history.

The rules were seeded from the laws (EU and UK GDPR, CCPA, Vietnam's Decree 13/2023, then Law
91/2025 and Decree 356/2025); the pages say they must be verified with counsel. A jurisdiction
holds the authority, the working-day calendar and the time zone; its deadlines are rule
versions, each in force from its date, so a request is counted under the version in force when
it was received. ``Jurisdiction.clean()`` and ``DeadlineRule.clean()`` check the values; the
model forms run them, so their errors show on the fields.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ObjectIdAdminMixin, TrackedModelAdmin
from apps.subject_requests.models import DeadlineRule, Jurisdiction
from apps.subject_requests.services.jurisdictions import deadline_rule_save, jurisdiction_save

COUNSEL_NOTE = _(
    "Seeded values: verify with counsel before relying on them. They were read from the laws "
    "(EU and UK GDPR as the ICO counts a month, CCPA, Vietnam's Decree 13/2023, Law 91/2025 and "
    "Decree 356/2025) and every change is recorded in the history. A request is counted under "
    "the deadline rule in force on the day it was received; a new law is a new rule with its "
    "date, not a change to the old one."
)


@admin.register(Jurisdiction)
class JurisdictionAdmin(ObjectIdAdminMixin, TrackedModelAdmin):
    list_display = ("code", "name", "authority_name", "rule_in_force", "calendar")
    list_display_links = ("code", "name")
    search_fields = ("code", "name", "authority_name")
    ordering = ("code",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ("deadline_rules",)
    fieldsets = (
        (None, {"fields": ("code", "name", "name_vi", "counsel_note"), "description": COUNSEL_NOTE}),
        (
            _("Supervisory authority (named to the subject when a request is rejected)"),
            {"fields": ("authority_name", "authority_name_vi", "authority_url")},
        ),
        (_("Calendar"), {"fields": ("calendar", "timezone")}),
        (_("Deadlines"), {"fields": ("deadline_rules",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules")

    @admin.display(description=_("rule in force"))
    def rule_in_force(self, obj: Jurisdiction) -> str:
        rules = list(obj.rules.all())
        return str(obj.rule_on().source) if rules else "—"

    @admin.display(description=_("deadline rules"))
    def deadline_rules(self, obj: Jurisdiction | None) -> str:
        if obj is None or obj.pk is None:
            return "—"
        if not obj.rules.all():
            return format_html(
                '{} <a href="{}?jurisdiction={}">{}</a>',
                _("None yet: requests cannot be filed under this jurisdiction until it has one."),
                reverse("admin:subject_requests_deadlinerule_add"),
                obj.pk,
                _("Add its first deadline rule"),
            )
        rows = format_html_join(
            "",
            '<li><a href="{}">{} — {}</a></li>',
            (
                (
                    reverse("admin:subject_requests_deadlinerule_change", args=[rule.pk]),
                    rule.effective_from.isoformat(),
                    rule.source,
                )
                for rule in sorted(obj.rules.all(), key=lambda rule: rule.effective_from)
            ),
        )
        return format_html("<ul>{}</ul>", rows)

    def get_readonly_fields(self, request, obj=None):
        # Code finds a rule (intake, the command's --jurisdiction): it stays as seeded.
        return ("code", "deadline_rules") if obj is not None else ("deadline_rules",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # requests point at their rule (PROTECT); the rule and its history stay

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        # The form already ran Jurisdiction.clean, so its errors show on the fields; history records who and why.
        jurisdiction_save(
            jurisdiction=obj, actor=request.user, reason="Changed in the admin" if change else "Added in the admin"
        )


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ObjectIdAdminMixin, TrackedModelAdmin):
    list_display = ("jurisdiction", "effective_from", "source", "acknowledge", "respond", "extension")
    list_filter = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    ordering = ("jurisdiction__code", "effective_from")
    fieldsets = (
        (None, {"fields": ("jurisdiction", "effective_from", "source"), "description": COUNSEL_NOTE}),
        (
            _("Deadlines"),
            {
                "fields": (
                    ("acknowledge_amount", "acknowledge_unit"),
                    ("respond_amount", "respond_unit"),
                    ("extension_amount", "extension_unit"),
                    "extension_from",
                    "roll_forward",
                    "pauses_clock",
                    "type_terms",
                ),
                "description": _(
                    "Each is counted from the day after the request is received (hours: from the moment)."
                ),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # A rule stays with the law it was added for: requests were counted under it, and moving a
        # jurisdiction's only rule away would leave its requests with none.
        return ("jurisdiction",) if obj is not None else ()

    @admin.display(description=_("acknowledge within"))
    def acknowledge(self, obj: DeadlineRule) -> str:
        return f"{obj.acknowledge_amount} {obj.get_acknowledge_unit_display()}"

    @admin.display(description=_("respond within"))
    def respond(self, obj: DeadlineRule) -> str:
        return f"{obj.respond_amount} {obj.get_respond_unit_display()}"

    @admin.display(description=_("extension"))
    def extension(self, obj: DeadlineRule) -> str:
        if not obj.extension_amount:
            return "—"
        return f"{obj.extension_amount} {obj.get_extension_unit_display()} ({obj.get_extension_from_display()})"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a rule requests were counted under stays, with its history

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        deadline_rule_save(
            rule=obj, actor=request.user, reason="Changed in the admin" if change else "Added in the admin"
        )
