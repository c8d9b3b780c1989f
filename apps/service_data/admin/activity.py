"""Admin of location, product settings, feature usage and calls: read-only lists under the
field-level view rule (the registry declares who sees which column; officers see them)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import FieldViewRuleMixin, ReadOnlyAdmin
from apps.service_data.models import CallRecord, LocationRecord, ProductConfiguration, UsageEvent

# Usage and calls reach millions of rows: no full count, no sorting of the whole table by
# another column than the indexed one.


@admin.register(LocationRecord)
class LocationRecordAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    person_fields = ("owner",)
    list_display = ("recorded_at", "owner", "latitude", "longitude", "accuracy_m")
    search_fields = ("owner__email", "=owner__reference")
    date_hierarchy = "recorded_at"
    list_select_related = ("owner",)
    list_per_page = 100
    show_full_result_count = False


@admin.register(ProductConfiguration)
class ProductConfigurationAdmin(FieldViewRuleMixin, ReadOnlyAdmin):  # no history: settings only
    person_fields = ("owner",)
    list_display = ("owner", "updated_at")
    search_fields = ("owner__email", "=owner__reference")
    list_select_related = ("owner",)
    list_per_page = 100
    show_full_result_count = False
    fields = ("owner", "settings", "created_at", "updated_at")
    readonly_fields = fields


@admin.register(UsageEvent)
class UsageEventAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    person_fields = ("owner",)
    list_display = ("occurred_at", "owner", "feature", "action")
    list_filter = ("feature",)
    search_fields = ("owner__email", "=owner__reference", "=feature")
    date_hierarchy = "occurred_at"
    list_select_related = ("owner",)
    list_per_page = 100
    show_full_result_count = False


@admin.register(CallRecord)
class CallRecordAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    person_fields = ("owner",)
    list_display = ("started_at", "owner", "direction", "other_party", "duration_seconds", "cost", "currency")
    list_filter = ("direction", "currency")
    search_fields = ("owner__email", "=owner__reference", "=other_party")
    date_hierarchy = "started_at"
    list_select_related = ("owner",)
    list_per_page = 100
    show_full_result_count = False
