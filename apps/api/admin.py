"""API clients: officers create them, rotate and revoke their keys, and see their calls; and
subscribe them to webhooks.

A key is shown once, on the page that follows its creation or rotation, and never again: only
its digest is kept. So is a subscription's secret (stored encrypted: signing needs it).
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.api.domain import EventType, Scope
from apps.api.models import ApiClient, WebhookSubscription
from apps.api.selectors import (
    Delivery,
    api_call_counts,
    api_keyless_call_count,
    api_outside_call_counts,
    deliveries_of,
)
from apps.api.services import (
    api_client_create,
    api_client_revoke,
    api_client_update,
    api_key_rotate,
    webhook_subscription_change,
    webhook_subscription_create,
    webhook_subscription_secret_rotate,
)
from apps.core.admin import NoDeleteAdminMixin, ObjectIdAdminMixin, TrackedModelAdmin, is_object_id
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.admin.secrets import secret_shown_once

CHANGE_PERMISSION = "api.change_apiclient"
SUBSCRIPTION_CHANGE_PERMISSION = "api.change_webhooksubscription"


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiClient
        fields = ("name", "owner", "purpose", "scopes", "allowed_networks", "expires_at", "rate_limit_per_minute")


@admin.register(ApiClient)
class ApiClientAdmin(NoDeleteAdminMixin, ObjectIdAdminMixin, TrackedModelAdmin):
    """Revoked, never deleted: the calls and the history stay whole."""

    form = ApiClientForm
    list_display = ("name", "owner", "scopes_display", "state", "calls_30_days", "errors_30_days", "outside_last_hour")
    search_fields = ("name", "owner")
    readonly_fields = ("revoked_at", "keys_display", "outside_last_hour")
    change_form_template = "admin/api/apiclient/change_form.html"
    change_list_template = "admin/api/apiclient/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("keys")

    def changelist_view(self, request, extra_context=None):
        # One grouped query for the whole page, not one per row.
        self._counts = api_call_counts(since=timezone.now() - timedelta(days=30))
        # Calls without a live key are counted in the cache, not logged one row each (middleware).
        extra_context = {**(extra_context or {}), "keyless_calls_last_hour": api_keyless_call_count(minutes=60)}
        return super().changelist_view(request, extra_context)

    def get_changelist_instance(self, request):
        # One cache read for the page's rows, kept on the rows (this admin object serves every request).
        changelist = super().get_changelist_instance(request)
        rows = [row for row in changelist.result_list if row.allowed_networks.strip()]
        found = api_outside_call_counts(client_ids=[row.pk for row in rows])
        for row in rows:
            row._outside_calls = found[row.pk]
        return changelist

    @admin.display(description=_("calls from outside its networks (last hour)"))
    def outside_last_hour(self, obj: ApiClient) -> int | str:
        """Refused calls with the client's live key from an address outside its networks: the key
        may have leaked. Counted in the cache, not logged one row each (apps.api.middleware)."""
        if obj.pk is None or not (obj.allowed_networks or "").strip():
            return "—"  # accepted from anywhere: nothing is refused for its address
        if getattr(obj, "_outside_calls", None) is None:
            obj._outside_calls = api_outside_call_counts(client_ids=[obj.pk])[obj.pk]  # type: ignore[attr-defined]
        return obj._outside_calls  # type: ignore[attr-defined]

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


# --- Webhook subscriptions -----------------------------------------------------------------------


class WebhookSubscriptionForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("consent.changed needs consent:check; request.status_changed needs requests:read."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ("client", "url", "event_types", "active")
        formfield_callback = staticmethod(
            lambda field, **kwargs: field.formfield(
                **({"assume_scheme": "https"} if isinstance(field, models.URLField) else {}), **kwargs
            )
        )


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(NoDeleteAdminMixin, ObjectIdAdminMixin, TrackedModelAdmin):
    """An officer subscribes a client's URL to events; its secret is shown once, on the page that
    follows the creation or a rotation. The delivery columns read the outbox (selectors.deliveries_of).
    Made inactive, never deleted: what was sent stays explained."""

    form = WebhookSubscriptionForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("client", "url", "events_display", "active", "last_delivered", "failing", "given_up")
    list_filter = ("active",)
    list_select_related = ("client",)
    search_fields = ("client__name", "url")
    readonly_fields = ("delivery_display",)
    change_form_template = "admin/api/webhooksubscription/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # A subscription stays its client's: a new client gets a subscription (and secret) of its own.
        return (*self.readonly_fields, "client") if obj is not None else self.readonly_fields

    def get_changelist_instance(self, request):
        # Two grouped queries for the page's rows, not two per row; kept on the rows themselves
        # (this admin object serves every request).
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        found = deliveries_of([row.pk for row in rows])
        for row in rows:
            row._delivery = found.get(row.pk, Delivery())
        return changelist

    def _delivery(self, obj: WebhookSubscription) -> Delivery:
        if getattr(obj, "_delivery", None) is None:
            obj._delivery = deliveries_of([obj.pk]).get(obj.pk, Delivery())  # type: ignore[attr-defined]
        return obj._delivery  # type: ignore[attr-defined]

    @admin.display(description=_("events"))
    def events_display(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.event_types or [])

    @admin.display(description=_("last delivered"))
    def last_delivered(self, obj: WebhookSubscription):
        return self._delivery(obj).last_delivered_at or "—"

    @admin.display(description=_("failing (retrying)"))
    def failing(self, obj: WebhookSubscription) -> int:
        return self._delivery(obj).failing

    @admin.display(description=_("given up"))
    def given_up(self, obj: WebhookSubscription) -> int:
        return self._delivery(obj).given_up

    @admin.display(description=_("deliveries"))
    def delivery_display(self, obj: WebhookSubscription) -> str:
        if obj.pk is None:
            return "—"
        found = self._delivery(obj)
        text = _(
            "last delivered: %(when)s; waiting: %(pending)s, of which failing: %(failing)s; given up: %(given_up)s"
        )
        summary = text % {
            "when": found.last_delivered_at or "—",
            "pending": found.pending,
            "failing": found.failing,
            "given_up": found.given_up,
        }
        if found.last_error:
            summary += " — " + _("last error: %(error)s") % {"error": found.last_error}
        return summary

    # Where the portal sends people's consent answers, signed: a new address (a new
    # subscription, or a URL changed) is asked of an officer who gave a fresh second factor.
    @fresh_second_factor_required(when=lambda self, request, *args, **kwargs: request.method == "POST")
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, extra_context)

    @fresh_second_factor_required(
        when=lambda self, request, object_id, *args, **kwargs: (
            request.method == "POST"
            and is_object_id(object_id)
            and WebhookSubscription.objects.filter(pk=object_id).exclude(url=request.POST.get("url", "")).exists()
        )
    )
    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            webhook_subscription_change(subscription=obj, actor=request.user)
        else:
            _subscription, request._api_new_secret = webhook_subscription_create(subscription=obj, actor=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        return self._secret_page(request, obj, request._api_new_secret)

    def _secret_page(self, request, subscription: WebhookSubscription, plain: str):
        return secret_shown_once(
            request,
            self,
            owner=subscription,
            secret=plain,
            back_url=reverse("admin:api_webhooksubscription_change", args=[subscription.pk]),
            back_label=str(_("Back to the subscription")),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/rotate/", wrap(self.rotate_view), name="api_webhooksubscription_rotate"),
            *super().get_urls(),
        ]

    @fresh_second_factor_required
    def rotate_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(SUBSCRIPTION_CHANGE_PERMISSION):
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        subscription = get_object_or_404(WebhookSubscription.objects.select_related("client"), pk=object_id)
        try:
            _made, plain = webhook_subscription_secret_rotate(subscription=subscription, actor=request.user)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:api_webhooksubscription_change", args=[subscription.pk]))
        return self._secret_page(request, subscription, plain)
