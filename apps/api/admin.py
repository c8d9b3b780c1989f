"""API clients: officers create them, rotate and revoke their keys, and see their calls.

A key is shown once, on the page that follows its creation or rotation, and never again: only
its digest is kept.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.api.domain import Scope
from apps.api.models import ApiClient
from apps.api.selectors import api_call_counts
from apps.api.services import api_client_create, api_client_revoke, api_client_update, api_key_rotate
from apps.core.admin import ObjectIdAdminMixin, TrackedModelAdmin, is_object_id
from apps.core.admin.reauthentication import fresh_second_factor_required

CHANGE_PERMISSION = "api.change_apiclient"


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiClient
        fields = ("name", "owner", "purpose", "scopes", "allowed_networks", "expires_at", "rate_limit_per_minute")


@admin.register(ApiClient)
class ApiClientAdmin(ObjectIdAdminMixin, TrackedModelAdmin):
    form = ApiClientForm
    list_display = ("name", "owner", "scopes_display", "state", "calls_30_days", "errors_30_days")
    search_fields = ("name", "owner")
    readonly_fields = ("revoked_at", "keys_display")
    change_form_template = "admin/api/apiclient/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("keys")

    def changelist_view(self, request, extra_context=None):
        # One grouped query for the whole page, not one per row.
        self._counts = api_call_counts(since=timezone.now() - timedelta(days=30))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("scopes"))
    def scopes_display(self, obj: ApiClient) -> str:
        return ", ".join(obj.scopes or [])

    @admin.display(description=_("state"))
    def state(self, obj: ApiClient) -> str:
        if obj.revoked_at:
            return str(_("revoked"))
        return str(_("live")) if obj.is_live() else str(_("expired"))

    @admin.display(description=_("calls (30 days)"))
    def calls_30_days(self, obj: ApiClient) -> int:
        return getattr(self, "_counts", {}).get(obj.pk, {}).get("total", 0)

    @admin.display(description=_("errors (30 days)"))
    def errors_30_days(self, obj: ApiClient) -> int:
        return getattr(self, "_counts", {}).get(obj.pk, {}).get("errors", 0)

    @admin.display(description=_("keys"))
    def keys_display(self, obj: ApiClient) -> str:
        rows = []
        for key in obj.keys.all():
            state = (
                _("revoked")
                if key.revoked_at
                else (_("expires %(when)s") % {"when": key.expires_at} if key.expires_at else _("live"))
            )
            rows.append(f"{key} — {state}")
        return "; ".join(rows) or "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the calls and the history stay whole

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        if change:
            api_client_update(client=obj, actor=request.user)
        else:
            _client, request._api_new_key = api_client_create(client=obj, actor=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        return self._key_page(request, obj, request._api_new_key, _("The client's key"))

    def _key_page(self, request, client: ApiClient, key: str, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "client": client,
            "key": key,
            "change_url": reverse("admin:api_apiclient_change", args=[client.pk]),
        }
        response = TemplateResponse(request, "admin/api/apiclient/key.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/rotate/", wrap(self.rotate_view), name="api_apiclient_rotate"),
            path("<path:object_id>/revoke/", wrap(self.revoke_view), name="api_apiclient_revoke"),
            *super().get_urls(),
        ]

    def _client_for(self, request, object_id) -> ApiClient:
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        return get_object_or_404(ApiClient, pk=object_id)

    @fresh_second_factor_required
    def rotate_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        client = self._client_for(request, object_id)
        try:
            key = api_key_rotate(client=client, actor=request.user)
        except ValueError:
            self.message_user(request, _("A revoked client gets no new key."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:api_apiclient_change", args=[client.pk]))
        return self._key_page(request, client, key, _("The client's new key"))

    @fresh_second_factor_required
    def revoke_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        client = self._client_for(request, object_id)
        api_client_revoke(client=client, actor=request.user)
        self.message_user(request, _("The client is revoked: its next call is refused."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:api_apiclient_change", args=[client.pk]))
