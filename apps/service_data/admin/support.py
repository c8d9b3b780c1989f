"""Admin of support communications: read-only, for officers and the support team (their own
correspondence with customers), under the field-level view rule."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import FieldViewRuleMixin, ReadOnlyAdmin, TrackedModelAdmin
from apps.service_data.models import SupportCommunication


@admin.register(SupportCommunication)
class SupportCommunicationAdmin(FieldViewRuleMixin, ReadOnlyAdmin, TrackedModelAdmin):
    person_fields = ("customer", "staff")
    list_display = ("occurred_at", "customer", "channel", "direction", "subject_line", "staff")
    list_filter = ("channel", "direction", ("staff", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=reference", "customer__email", "=customer__reference", "subject_line")
    date_hierarchy = "occurred_at"
    list_select_related = ("customer", "staff")
    list_per_page = 100
    show_full_result_count = False
    fields = ("reference", "customer", "channel", "direction", "occurred_at", "subject_line", "body", "staff")
    readonly_fields = fields
