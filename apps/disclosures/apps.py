from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosuresConfig(AppConfig):
    name = "apps.disclosures"
    label = "disclosures"
    verbose_name = _("Disclosures")

    def ready(self) -> None:
        self._register_access_navigation()
        self._register_records()

    @staticmethod
    def _register_access_navigation() -> None:
        # Your Account → Staff access (P-24): approve or deny staff requests, see every staff look.
        from django.utils.translation import gettext_lazy as _

        from apps.accounts.navigation import NavItem
        from apps.accounts.navigation import register as register_nav_item

        register_nav_item(NavItem("access", _("Staff access"), "disclosures_access:customer", 60))

    @staticmethod
    def _register_records() -> None:
        # Your Account → Disclosure records (P-22), and the same records in the data export
        # (visible ones as disclosures.json / tables/disclosures.csv, withheld ones as a note).
        from django.utils.translation import gettext_lazy as _

        from apps.accounts.navigation import NavItem
        from apps.accounts.navigation import register as register_nav_item
        from apps.disclosures.selectors import export_notes, export_tables
        from apps.personal_data.registry import EXPORT_NOTES, EXPORT_TABLES

        register_nav_item(NavItem("disclosures", _("Disclosure records"), "disclosures:records", 50))
        if export_tables not in EXPORT_TABLES:
            EXPORT_TABLES.append(export_tables)
        if export_notes not in EXPORT_NOTES:
            EXPORT_NOTES.append(export_notes)
