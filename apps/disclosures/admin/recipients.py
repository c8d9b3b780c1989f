"""Admin for recipients (P-20): who we disclose to, under which agreement and safeguard."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import CountryInUseFilter
from apps.disclosures.admin.filters import InternationalFilter, LapsedAgreementFilter
from apps.disclosures.models import Recipient


@admin.register(Recipient)
class RecipientAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "category",
        "country",
        "international",
        "transfer_safeguard",
        "agreement",
        "agreement_ends",
        "agreement_status",
        "is_active",
    )
    list_filter = (
        "category",
        CountryInUseFilter,
        InternationalFilter,
        "transfer_safeguard",
        "is_active",
        LapsedAgreementFilter,
    )
    search_fields = ("name", "agreement_reference", "contact_name", "contact_email")
    readonly_fields = ("reference", "created_at", "updated_at")
    list_per_page = 50

    @admin.display(description=gettext_lazy("international"), boolean=True)
    def international(self, obj: Recipient) -> bool:
        return obj.is_international

    @admin.display(description=gettext_lazy("agreement status"))
    def agreement_status(self, obj: Recipient) -> str:
        if obj.agreement_lapsed:
            return format_html(
                '<strong class="agreement-lapsed" style="color:#ba2121">⚠ {}</strong>', _("Agreement lapsed")
            )
        return "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        # Recipients are referenced by the register; retire one by making it inactive.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        recipient = self.get_object(request, object_id)
        if recipient is not None and recipient.agreement_lapsed and request.method == "GET":
            messages.warning(
                request,
                _("The agreement with %(name)s ended on %(date)s: renew it before disclosing more data (P-20).")
                % {"name": recipient.name, "date": recipient.agreement_ends},
            )
        return super().change_view(request, object_id, form_url, extra_context)
