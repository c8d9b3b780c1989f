from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BreachesConfig(AppConfig):
    name = "apps.breaches"
    label = "breaches"
    verbose_name = _("Personal-data breaches")

    def ready(self) -> None:
        from apps.breaches import tasks  # noqa: F401  (beat's clock reminders)
        from apps.breaches.services.notices import connect_mailing_kind

        # The people's notice goes out through the consent app's batched sender.
        connect_mailing_kind()
        # The privacy-operations home shows every open breach's clocks, in hours.
        from apps.breaches.selectors.workspace import breach_tile
        from apps.core.admin.workspace import register_tile

        register_tile(
            "breaches", order=5, may_view=lambda user: user.has_perm("breaches.view_breach"), provider=breach_tile
        )
