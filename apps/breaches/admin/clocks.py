"""Each law's breach clocks, editable by officers, with history (seeded; verify with counsel)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.breaches.models import ClockRule
from apps.breaches.services.clocks import clock_rule_save
from apps.core.admin import ObjectIdAdminMixin, TrackedModelAdmin

NOTE = _(
    "Seeded values: verify with counsel before relying on them. A breach is counted under the rule in "
    "force on the day the company became aware of it; a new law is a new rule with its date."
)


@admin.register(ClockRule)
class ClockRuleAdmin(ObjectIdAdminMixin, TrackedModelAdmin):
    list_display = ("jurisdiction", "recipient", "effective_from", "hours", "starts", "minimum_risk", "source")
    list_filter = ("jurisdiction", "recipient")
    list_select_related = ("jurisdiction",)
    search_fields = ("source", "note")
    ordering = ("jurisdiction__code", "recipient", "effective_from")
    fieldsets = (
        (None, {"fields": ("jurisdiction", "recipient", "effective_from", "source", "note"), "description": NOTE}),
        (
            _("Clock"),
            {
                "fields": (
                    "hours",
                    "starts",
                    "minimum_risk",
                    "minimum_people",
                    "phased",
                    "delay_reason_required",
                    "reminder_hours",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return ("jurisdiction", "recipient") if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # breaches' clocks point at their rule

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        clock_rule_save(rule=obj, actor=request.user, reason="Changed in the admin" if change else "Added in the admin")
