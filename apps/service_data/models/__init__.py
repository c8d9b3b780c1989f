"""What the company's service holds about its customers, by kind (P-01, P-02, P-24, P-38, P-41 to P-43).

One module per sub-domain; every layer and ``tests/service_data/`` use the same names:
``content`` (files and shared posts, and the optional kinds a customer refuses), ``calendar``,
``activity`` (location, product configuration, feature usage, calls), ``support``
(communications with the company) and ``billing`` (payments and invoices).
"""

from apps.service_data.models.activity import CallRecord, LocationRecord, ProductConfiguration, UsageEvent
from apps.service_data.models.billing import Invoice, Payment
from apps.service_data.models.calendar import CalendarEntry
from apps.service_data.models.content import ContentItem, OptionalKind, OptionalKindRefusal, SharedPost
from apps.service_data.models.support import SupportCommunication

__all__ = [
    "CalendarEntry",
    "CallRecord",
    "ContentItem",
    "Invoice",
    "LocationRecord",
    "OptionalKind",
    "OptionalKindRefusal",
    "Payment",
    "ProductConfiguration",
    "SharedPost",
    "SupportCommunication",
    "UsageEvent",
]
