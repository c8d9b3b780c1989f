"""Admin for staff access (P-24, P-25): grants and the staff-access audit log.

Both are read-only here. Grants are created from the customer-content page (through
``content_access_request``), decided by the customer, and ended by ``content_access_revoke``
(the "End access" action, for officers). Events are written only by ``staff_access_log``.
Imported by apps/disclosures/admin/__init__.py; nothing else registers these models.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.admin import ReadOnlyAdmin
from apps.disclosures import access
from apps.disclosures.models import ContentAccessGrant, StaffAccessEvent


@admin.register(ContentAccessGrant)
class ContentAccessGrantAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "customer",
        "staff",
        "purpose",
        "status",
        "ticket_reference",
        "expires_at",
        "customer_notified_at",
        "notice_withheld",
    )
    list_filter = ("status", "purpose", ("staff", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reference", "ticket_reference", "customer__email", "customer__reference", "staff__email")
    date_hierarchy = "created_at"
    list_select_related = ("customer", "staff")
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "reference",
        "customer",
        "staff",
        "purpose",
        "reason",
        "ticket_reference",
        "status",
        "created_at",
        "decided_at",
        "expires_at",
        "customer_notified_at",
        "notification_withheld_reason",
    )
    readonly_fields = fields
    actions = ["end_access"]

    @admin.display(boolean=True, description=_("notice withheld"))
    def notice_withheld(self, obj: ContentAccessGrant) -> bool:
        return bool(obj.notification_withheld_reason)

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm(access.REVOKE_ANY_PERMISSION)

    @admin.action(description=_("End access now"), permissions=["revoke"])
    def end_access(self, request, queryset):
        ended = 0
        for grant in queryset:
            try:
                access.content_access_revoke(grant=grant, actor=request.user)
            except (ValidationError, PermissionDenied):
                continue
            ended += 1
        self.message_user(
            request,
            ngettext("Ended %(count)d grant.", "Ended %(count)d grants.", ended) % {"count": ended},
            messages.SUCCESS,
        )


@admin.register(StaffAccessEvent)
class StaffAccessEventAdmin(ReadOnlyAdmin):
    """The audit log of staff looks at customers, for auditors and officers."""

    list_display = ("occurred_at", "staff", "customer", "kind", "grant_link", "path")
    list_filter = ("kind", ("staff", admin.RelatedOnlyFieldListFilter))
    search_fields = ("customer__email", "customer__reference", "staff__email", "path")
    date_hierarchy = "occurred_at"
    list_select_related = ("staff", "customer", "grant")
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description=_("grant"))
    def grant_link(self, obj: StaffAccessEvent) -> str:
        if obj.grant is None:
            return "—"
        url = reverse("admin:disclosures_contentaccessgrant_change", args=[obj.grant.pk])
        return format_html('<a href="{}">{}</a>', url, obj.grant)
