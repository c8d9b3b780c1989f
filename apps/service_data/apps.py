from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceDataConfig(AppConfig):
    """The reference service app: the data the policies say the company's service holds.

    A company plugs its own apps in the same way (docs/adding-an-app.md). Installed in the demo
    and the tests; ``PORTAL_SERVICE_DATA=off`` leaves it out of a production install.
    """

    name = "apps.service_data"
    label = "service_data"
    verbose_name = _("Service data")

    def ready(self) -> None:
        from apps.core.navigation import NavItem
        from apps.core.navigation import register as register_nav_item

        # Your Account → Your data in our service, and each kind's page below it.
        register_nav_item(
            NavItem("service", _("Your data in our service"), "service_data:overview", 42, covers_subpages=True)
        )

        # --- billing: the database check that no card number is stored (manage.py check --database default) ---
        from apps.service_data import checks  # noqa: F401
