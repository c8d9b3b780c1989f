"""Jurisdictions: each law's deadlines for subject requests, editable by officers, with history.

The rules were seeded from the laws (EU and UK GDPR, CCPA, Vietnam's Law 91/2025 and Decree
356/2025); the page says they must be verified with counsel. ``Jurisdiction.clean()`` checks
the calendar, the time zone and the per-type terms; the model form runs it, so its errors show
on the fields. A change applies to requests received (or extended, or resumed) after it.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ObjectIdAdminMixin, TrackedModelAdmin
from apps.subject_requests.models import Jurisdiction
from apps.subject_requests.services.jurisdictions import jurisdiction_save

COUNSEL_NOTE = _(
    "Seeded values: verify with counsel before relying on them. They were read from the laws "
    "(EU and UK GDPR as the ICO counts a month, CCPA, Vietnam's Law 91/2025 and Decree 356/2025) "
    "and every change is recorded in this rule's history. A change applies to deadlines set from "
    "now on (new requests, extensions, a clock resumed); deadlines already set stay as they are."
)


@admin.register(Jurisdiction)
class JurisdictionAdmin(ObjectIdAdminMixin, TrackedModelAdmin):
    list_display = ("code", "name", "authority_name", "acknowledge", "respond", "extension", "pauses_clock", "calendar")
    list_display_links = ("code", "name")
    search_fields = ("code", "name", "authority_name")
    ordering = ("code",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("code", "name", "counsel_note"), "description": COUNSEL_NOTE}),
        (
            _("Supervisory authority (named to the subject when a request is rejected)"),
            {"fields": ("authority_name", "authority_url")},
        ),
        (
            _("Deadlines"),
            {
                "fields": (
                    ("acknowledge_amount", "acknowledge_unit"),
                    ("respond_amount", "respond_unit"),
                    ("extension_amount", "extension_unit"),
                    "roll_forward",
                    "pauses_clock",
                    "type_terms",
                ),
                "description": _("Each is counted from the day after the request is received."),
            },
        ),
        (_("Calendar"), {"fields": ("calendar", "timezone")}),
    )

    @admin.display(description=_("acknowledge within"))
    def acknowledge(self, obj: Jurisdiction) -> str:
        return f"{obj.acknowledge_amount} {obj.get_acknowledge_unit_display()}"

    @admin.display(description=_("respond within"))
    def respond(self, obj: Jurisdiction) -> str:
        return f"{obj.respond_amount} {obj.get_respond_unit_display()}"

    @admin.display(description=_("extension"))
    def extension(self, obj: Jurisdiction) -> str:
        return f"{obj.extension_amount} {obj.get_extension_unit_display()}" if obj.extension_amount else "—"

    def get_readonly_fields(self, request, obj=None):
        # Code finds a rule (intake, the command's --jurisdiction): it stays as seeded.
        return ("code",) if obj is not None else ()

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
