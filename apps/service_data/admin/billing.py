"""Invoices and payments for officers (P-41, P-42): read-only; every write goes through
``apps.service_data.services.billing`` (issued by the billing run, paid by the processor's
callback), so the financial legal hold of an unpaid invoice can never be left behind.

Search by invoice number or processor's reference, filter by status. The field-level view
rule applies: whom an invoice is for is for officers only (the registry's ``seen_by``).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.core.admin import FieldViewRuleMixin, ObjectIdAdminMixin, ReadOnlyAdmin
from apps.service_data.models import Invoice, Payment


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("created_at", "processor", "processor_reference", "amount", "currency", "status", "method_summary")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(FieldViewRuleMixin, ObjectIdAdminMixin, ReadOnlyAdmin):
    person_fields = ("customer",)
    list_display = ("number", "customer", "issued_on", "due_on", "amount", "currency", "status", "held")
    list_filter = ("status", "currency", "issued_on")
    search_fields = ("=number", "=reference", "payments__processor_reference")
    list_select_related = ("customer",)
    date_hierarchy = "issued_on"
    ordering = ("-issued_on", "-number")
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "reference",
        "number",
        "customer",
        "billing_name",
        "billing_address",
        "description",
        "amount",
        "currency",
        "issued_on",
        "due_on",
        "status",
        "paid_at",
        "hold_reference",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (PaymentInline,)

    @admin.display(boolean=True, description=gettext_lazy("held (unpaid)"))
    def held(self, obj: Invoice) -> bool:
        return obj.is_unpaid and obj.hold_reference is not None


@admin.register(Payment)
class PaymentAdmin(FieldViewRuleMixin, ObjectIdAdminMixin, ReadOnlyAdmin):
    person_fields = ("customer",)
    list_display = (
        "processor_reference",
        "processor",
        "invoice",
        "customer",
        "amount",
        "currency",
        "status",
        "created_at",
    )
    list_filter = ("status", "processor", "currency")
    search_fields = ("=processor_reference", "=reference", "=invoice__number")
    list_select_related = ("invoice", "customer")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "reference",
        "invoice",
        "customer",
        "processor",
        "processor_reference",
        "amount",
        "currency",
        "status",
        "method_summary",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
