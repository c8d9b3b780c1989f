from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The public API for the company's other systems (/api/v1/). The top layer: it reads and
    writes through every domain app's selectors and services, and nothing imports it."""

    name = "apps.api"
    label = "api"
    verbose_name = _("API for other systems")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.api import signals  # noqa: F401  (consent choices → clients' webhooks)
        from apps.api.domain import WEBHOOK_ENDPOINT
        from apps.api.selectors import subscription_refusal, subscription_secrets_for
        from apps.api.services import account_erasure_announce, request_status_announce
        from apps.core.webhooks import Endpoint, register_endpoint
        from apps.personal_data.registry.people import register_closure_listener
        from apps.subject_requests.registry import register_status_listener

        # Clients' webhooks go through the core outbox, signed with each subscription's secrets.
        register_endpoint(
            Endpoint(name=WEBHOOK_ENDPOINT, secrets=subscription_secrets_for, refusal=subscription_refusal)
        )
        # A request's status changes reach the client that filed it, in the change's transaction.
        register_status_listener(request_status_announce)
        # An account the erasure engine closes (an UPDATE, no signal): consent.changed, in its savepoint.
        register_closure_listener(account_erasure_announce)
        from django.db.models.signals import post_delete, post_save

        from apps.api.services import api_purposes_changed
        from apps.consent.models import Purpose

        # A consent check reads its purpose from the cache (selectors.purpose_for_check): any save
        # of a purpose, from the admin or a service, must reach the next check (a data migration
        # saves through a historical model, which sends no signal: its change waits out the
        # cache's minute).
        post_save.connect(api_purposes_changed, sender=Purpose, dispatch_uid="api-purposes-changed-save")
        post_delete.connect(api_purposes_changed, sender=Purpose, dispatch_uid="api-purposes-changed-delete")
