from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosuresConfig(AppConfig):
    name = "apps.disclosures"
    label = "disclosures"
    verbose_name = _("Disclosures")

    def ready(self) -> None:
        self._register_access()
        self._register_records()
        # The access answer and the records of processing list every recipient, processors too.
        from apps.disclosures.selectors.recipients import recipients_for_processing
        from apps.personal_data.registry import register_recipients

        register_recipients(recipients_for_processing)
        # The privacy-operations home: the register's chain, agreements to renew.
        from apps.core.admin.workspace import register_tile
        from apps.disclosures.selectors.workspace import agreement_tile, chain_tile

        register_tile(
            "chain", order=50, may_view=lambda user: user.has_perm("disclosures.view_disclosure"), provider=chain_tile
        )
        register_tile(
            "agreements",
            order=55,
            may_view=lambda user: user.has_perm("disclosures.view_recipient"),
            provider=agreement_tile,
        )

    @staticmethod
    def _register_access() -> None:
        from django.utils.translation import gettext_lazy as _

        from apps.core.navigation import NavItem
        from apps.core.navigation import register as register_nav_item
        from apps.disclosures.admin.access import register_site_views

        # Your Account → Staff access (P-24): approve or deny staff requests, see every staff look.
        register_nav_item(NavItem("access", _("Staff access"), "disclosures_access:customer", 60))
        # The staff page for customer content: site-level admin pages at /admin/customer-content/.
        register_site_views()

    @staticmethod
    def _register_records() -> None:
        # Your Account → Disclosure records (P-22), and the same records in the data export
        # (visible ones as disclosures.json / tables/disclosures.csv, withheld ones as a note),
        # followed by the staff access requests and looks (P-24, P-25).
        from django.utils.translation import gettext_lazy as _

        from apps.core.navigation import NavItem
        from apps.core.navigation import register as register_nav_item
        from apps.disclosures.selectors import access, records
        from apps.personal_data.registry import EXPORT_NOTES, EXPORT_TABLES

        register_nav_item(NavItem("disclosures", _("Disclosure records"), "disclosures:records", 50))
        for export_tables in (records.export_tables, access.export_tables):
            if export_tables not in EXPORT_TABLES:
                EXPORT_TABLES.append(export_tables)
        if records.export_notes not in EXPORT_NOTES:
            EXPORT_NOTES.append(records.export_notes)
