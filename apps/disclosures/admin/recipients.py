"""Admin for recipients (P-20): who we disclose to, under which agreement and safeguard.

With the recipient filters (of this list, and of the register's by its entries' recipient) and
the recipients' change history, for auditors.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import CountryInUseFilter, HistoryRecordAdmin, TrackedModelAdmin
from apps.core.clock import organisation_today
from apps.disclosures.models import Recipient
from apps.disclosures.selectors.workspace import agreement_condition

# --- List filters ------------------------------------------------------------------------------


class RecipientCountryInUseFilter(CountryInUseFilter):
    """The countries of recipients we actually have."""

    def source(self, request, model_admin):
        return Recipient.objects.all()


class RecipientCountryFilter(RecipientCountryInUseFilter):
    """The register's entries by their recipient's country."""

    title = gettext_lazy("recipient country")
    parameter_name = "recipient_country"
    field = "recipient__country"


class InternationalFilter(admin.SimpleListFilter):
    """Transfers outside the controller's country (P-23)."""

    title = gettext_lazy("international transfer")
    parameter_name = "international"
    field = "country"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        home = Q(**{self.field: settings.CONTROLLER_COUNTRY})
        if self.value() == "yes":
            return queryset.exclude(home)
        if self.value() == "no":
            return queryset.filter(home)
        return queryset


class DisclosureInternationalFilter(InternationalFilter):
    """The register's entries whose recipient is abroad (P-23)."""

    field = "recipient__country"


class LapsedAgreementFilter(admin.SimpleListFilter):
    title = gettext_lazy("agreement lapsed")
    parameter_name = "lapsed"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        lapsed = Q(agreement_ends__lt=organisation_today())
        if self.value() == "yes":
            return queryset.filter(lapsed)
        if self.value() == "no":
            return queryset.exclude(lapsed)
        return queryset


class AgreementDueFilter(admin.SimpleListFilter):
    """Active recipients whose agreement ends soon or has ended: the home page's tile links here
    and counts with the same conditions (selectors/workspace.py)."""

    title = gettext_lazy("agreement to renew")
    parameter_name = "agreement"

    def lookups(self, request, model_admin):
        return (("ending", _("Ends within 30 days")), ("lapsed", _("Ended, recipient still active")))

    def queryset(self, request, queryset):
        if self.value() in ("ending", "lapsed"):
            return queryset.filter(agreement_condition(self.value()))
        return queryset


# --- Recipients --------------------------------------------------------------------------------


@admin.register(Recipient)
class RecipientAdmin(TrackedModelAdmin):
    list_display = (
        "name",
        "category",
        "country",
        "international",
        "transfer_safeguard",
        "agreement",
        "agreement_ends",
        "agreement_status",
        "role",
        "connector",
        "is_active",
    )
    list_filter = (
        "category",
        CountryInUseFilter,
        InternationalFilter,
        "transfer_safeguard",
        "is_active",
        LapsedAgreementFilter,
        AgreementDueFilter,
        "role",
        "connector",
    )
    search_fields = ("name", "agreement_reference", "contact_name", "contact_email")
    readonly_fields = ("reference", "created_at", "updated_at")
    list_per_page = 50
    # A webhook address typed without a scheme is https (apps/core/webhooks/targets.py refuses http in production).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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


@admin.register(Recipient.history.model)
class RecipientHistoryAdmin(HistoryRecordAdmin):
    # HistoryRecordAdmin (apps.core) leaves its list_display and search_fields to inference, as fixed-length tuples.
    list_display = ("history_date", "history_type", "history_user", "history_change_reason", "name", "agreement_ends")
    search_fields = ("name", "history_change_reason")
