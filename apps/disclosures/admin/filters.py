"""List filters of the recipient and register changelists."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import CountryInUseFilter
from apps.core.clock import organisation_today
from apps.disclosures.models import Recipient


class RecipientCountryInUseFilter(CountryInUseFilter):
    """The countries of recipients we actually have."""

    def source(self, request, model_admin):
        return Recipient.objects.all()


class RecipientCountryFilter(RecipientCountryInUseFilter):
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
