"""Admin of calendar entries: read-only, under the field-level view rule (officers see them)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import FieldViewRuleMixin, ReadOnlyAdmin, TrackedModelAdmin
from apps.service_data.models import CalendarEntry


@admin.register(CalendarEntry)
class CalendarEntryAdmin(FieldViewRuleMixin, ReadOnlyAdmin, TrackedModelAdmin):
    """Entries change only in the customer's pages and the Google import; here they are read."""

    person_fields = ("owner",)
    list_display = ("starts_at", "owner", "source", "title", "location")
    list_filter = ("source",)
    search_fields = ("=reference", "owner__email", "=owner__reference", "title")
    date_hierarchy = "starts_at"
    list_select_related = ("owner",)
    list_per_page = 100
    show_full_result_count = False
    fields = ("reference", "owner", "source", "external_id", "title", "starts_at", "ends_at", "location", "description")
    readonly_fields = fields
