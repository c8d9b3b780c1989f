from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SystemsConfig(AppConfig):
    name = "apps.systems"
    label = "systems"
    verbose_name = _("Systems and processors")

    def ready(self) -> None:
        from apps.core.webhooks import Endpoint, register_endpoint
        from apps.subject_requests.registry import (
            register_completion_gate,
            register_progress,
            register_step_listener,
        )
        from apps.systems import personal_data, tasks  # noqa: F401  (registry entries, jobs, beat)
        from apps.systems.domain import ENDPOINT
        from apps.systems.selectors import propagation_progress, propagation_waits, secrets_for
        from apps.systems.services import propagation_on_step, tasks_gave_up, tasks_told

        # Requests tell the systems that hold the data, and wait for them (apps/subject_requests/registry.py).
        register_step_listener(propagation_on_step)
        register_completion_gate(propagation_waits)
        register_progress(propagation_progress)
        # The systems' webhooks go through the core outbox, signed with each system's secrets.
        register_endpoint(Endpoint(name=ENDPOINT, secrets=secrets_for, delivered=tasks_told, gave_up=tasks_gave_up))
        # An access request's export includes each system's answer (systems/<system>/).
        from apps.personal_data.registry.export import EXPORT_PARTS
        from apps.systems.selectors import access_answers_for_export

        if access_answers_for_export not in EXPORT_PARTS:
            EXPORT_PARTS.append(access_answers_for_export)
        # The privacy-operations home: systems silent past their deadline.
        from apps.core.admin.workspace import register_tile
        from apps.systems.selectors import overdue_systems_tile

        register_tile(
            "silent_systems",
            order=15,
            may_view=lambda user: user.has_perm("systems.view_propagationtask"),
            provider=overdue_systems_tile,
        )
