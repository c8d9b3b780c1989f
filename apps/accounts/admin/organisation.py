"""The data controller's identity (one organisation) and its history."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from apps.accounts.models import Organisation
from apps.accounts.services import organisation_update
from apps.core.admin import (
    HistoryRecordAdmin,
    TrackedModelAdmin,
)


@admin.register(Organisation)
class OrganisationAdmin(TrackedModelAdmin):
    list_display = ("name", "company_number", "contact_email", "dpo_email")

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not Organisation.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Through the service, so the cached footer identity is refreshed and the actor recorded.
        saved = organisation_update(actor=request.user, **{name: form.cleaned_data[name] for name in form.fields})
        obj.pk = saved.pk

    def changelist_view(self, request, extra_context=None):
        # One data controller: the list is just a way to its single page.
        organisation = Organisation.objects.first()
        if organisation is not None:
            return HttpResponseRedirect(reverse("admin:accounts_organisation_change", args=[organisation.pk]))
        return super().changelist_view(request, extra_context)


@admin.register(Organisation.history.model)
class OrganisationHistoryAdmin(HistoryRecordAdmin):
    pass
