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
        # The jobs of the service data (tasks.py): deleting a file, importing a calendar; and
        # the database check that no card number is stored (manage.py check --database default).
        from apps.service_data import checks, tasks  # noqa: F401

        self._register_staff_access()
        self._connect_calendar_import()

    @staticmethod
    def _register_staff_access() -> None:
        # Staff content access (P-24): the customer's files, posts, calendar and support notes
        # on the disclosures app's staff page, a logged view that opens one file, and the
        # customer's Staff access page saying which file was opened.
        from apps.disclosures.selectors.access import register_content_sections, register_staff_look_describer
        from apps.service_data.admin.staff_access import register_site_views
        from apps.service_data.selectors.staff_access import content_sections, describe_staff_looks

        register_content_sections(content_sections)
        register_staff_look_describer(describe_staff_looks)
        register_site_views()

    @staticmethod
    def _connect_calendar_import() -> None:
        # P-02: a Google sign-in with calendar access imports the calendar while the token lives.
        from allauth.account.signals import user_logged_in

        from apps.service_data.signals import import_calendar_on_google_sign_in

        user_logged_in.connect(import_calendar_on_google_sign_in, dispatch_uid="service_data.calendar_import")
