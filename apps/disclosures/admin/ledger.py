"""Ledger reads for auditors: chain anchors and the change history of the register's models."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import HistoryRecordAdmin, ReadOnlyAdmin
from apps.disclosures.models import ChainAnchor, CompelledRequest, Disclosure, Recipient


@admin.register(ChainAnchor)
class ChainAnchorAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "sequence", "entry_hash")
    date_hierarchy = "created_at"


@admin.register(Recipient.history.model)
class RecipientHistoryAdmin(HistoryRecordAdmin):
    list_display = ("history_date", "history_type", "history_user", "history_change_reason", "name", "agreement_ends")
    search_fields = ("name", "history_change_reason")


@admin.register(Disclosure.history.model)
class DisclosureHistoryAdmin(HistoryRecordAdmin):
    list_display = ("history_date", "history_type", "history_user", "history_change_reason", "sequence", "visibility")


@admin.register(CompelledRequest.history.model)
class CompelledRequestHistoryAdmin(HistoryRecordAdmin):
    list_display = (
        "history_date",
        "history_type",
        "history_user",
        "history_change_reason",
        "external_reference",
        "status",
    )
