"""Reads for Your Account → Your data in our service: how much of each kind the service holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.service_data.models import (
    CalendarEntry,
    CallRecord,
    ContentItem,
    Invoice,
    LocationRecord,
    ProductConfiguration,
    SharedPost,
    SupportCommunication,
    UsageEvent,
)


@dataclass(frozen=True)
class KindSummary:
    key: str
    label: str
    count: int
    url: str  # "" when that kind's page is not installed


def _url(name: str) -> str:
    # The content and billing pages come from their own modules; link only to what resolves.
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def service_data_summary(*, owner: User) -> list[KindSummary]:
    settings_count = len(
        ProductConfiguration.objects.filter(owner=owner).values_list("settings", flat=True).first() or {}
    )
    return [
        KindSummary(
            "content",
            _("Files and posts"),
            ContentItem.objects.filter(owner=owner).count() + SharedPost.objects.filter(author=owner).count(),
            _url("service_data:content"),
        ),
        KindSummary(
            "calendar",
            _("Calendar"),
            CalendarEntry.objects.filter(owner=owner).count(),
            _url("service_data:calendar"),
        ),
        KindSummary(
            "location", _("Location"), LocationRecord.objects.filter(owner=owner).count(), _url("service_data:location")
        ),
        KindSummary("settings", _("Product settings"), settings_count, _url("service_data:product_settings")),
        KindSummary(
            "usage", _("Feature usage"), UsageEvent.objects.filter(owner=owner).count(), _url("service_data:usage")
        ),
        KindSummary("calls", _("Calls"), CallRecord.objects.filter(owner=owner).count(), _url("service_data:calls")),
        KindSummary(
            "support",
            _("Support conversations"),
            SupportCommunication.objects.filter(customer=owner).count(),
            _url("service_data:support"),
        ),
        KindSummary(
            "billing", _("Billing"), Invoice.objects.filter(customer=owner).count(), _url("service_data:billing")
        ),
    ]
