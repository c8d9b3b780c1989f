"""Admin pieces shared by every app."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For ledgers and history: viewable by whoever holds the view permission, never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AppendOnlyAdminMixin:
    """For ledgers whose rows are added through a form but never edited or deleted."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class HistoryRecordAdmin(ReadOnlyAdmin):
    """The change history of a model, for auditors (who cannot see the live records)."""

    list_display = ("history_date", "history_type", "history_user", "history_change_reason", "__str__")
    list_filter = ("history_type", "history_date")
    date_hierarchy = "history_date"
    list_select_related = ("history_user",)
    search_fields = ("history_change_reason",)
    list_per_page = 50
