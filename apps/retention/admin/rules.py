"""Retention rules: officers change them here; simple-history records every change.

The rules were seeded from the company's policies (P-09, P-40, P-41); the seeded values are
a starting point that counsel must confirm, which the page says.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin import HistoryRecordAdmin, ObjectIdAdminMixin, TrackedModelAdmin
from apps.retention.models import RetentionRule
from apps.retention.services.rules import retention_rule_save

COUNSEL_NOTE = _(
    "The seeded rules come from the company's privacy and retention policies (P-09, P-40, P-41). "
    "Their periods must be verified with counsel before they are relied on, and every change is "
    "recorded in the rule's history. A change applies from the next purge run: preview it under "
    "Purge runs › Preview next run."
)


@admin.register(RetentionRule)
class RetentionRuleAdmin(ObjectIdAdminMixin, TrackedModelAdmin):
    list_display = ("code", "target", "trigger", "period_display", "action", "enabled", "updated_at")
    list_display_links = ("code",)
    list_filter = ("enabled", "trigger", "action", "legal_basis", "category")
    search_fields = ("code", "target", "title_en", "title_vi")
    ordering = ("order", "code")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("code", "enabled", "order"), "description": COUNSEL_NOTE}),
        (
            _("What and when"),
            {"fields": ("target", "category", "trigger", "period", "unit", "age_field", "action", "warning_days")},
        ),
        (
            _("What customers are told (Your Account)"),
            {"fields": ("legal_basis", "title_en", "title_vi", "explanation_en", "explanation_vi")},
        ),
    )

    @admin.display(description=_("period"), ordering="period")
    def period_display(self, obj: RetentionRule) -> str:
        return f"{obj.period} {obj.get_unit_display()}"

    def get_readonly_fields(self, request, obj=None):
        # Code finds a rule (the deletion grace period, `purge --rule`): it stays as seeded.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch a rule off instead; its history stays whole

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        retention_rule_save(rule=obj, actor=request.user)


@admin.register(RetentionRule.history.model)
class RetentionRuleHistoryAdmin(HistoryRecordAdmin):
    list_display = (
        "history_date",
        "history_type",
        "history_user",
        "history_change_reason",
        "code",
        "period",
        "unit",
    )
    search_fields = ("code", "history_change_reason")
