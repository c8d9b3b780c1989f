from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Customer accounts")

    def ready(self) -> None:
        from apps.accounts import signals  # noqa: F401  (connects login history receivers)
        from apps.accounts.services import staff_roles_sync

        # After every app's migrate, so every permission exists.
        post_migrate.connect(staff_roles_sync, dispatch_uid="accounts.sync_staff_roles")
        # The personal-data engines sit below this app: they learn from it who the
        # controller is (P-05) and how other people may appear in an export.
        from apps.accounts.selectors import organisation_get, people_in_an_export
        from apps.personal_data.registry import register_controller, register_people_labels

        register_controller(organisation_get)
        register_people_labels(people_in_an_export)
        # The admin (in core) hides what a staff role may not see; the roles are defined here.
        from apps.accounts.selectors import fields_hidden_from_user
        from apps.core.admin.visibility import register_field_rule

        register_field_rule(fields_hidden_from_user)
        self._register_navigation()
        self._register_overview_cards()

    @staticmethod
    def _register_overview_cards() -> None:
        from apps.accounts import selectors
        from apps.core.navigation import register_card

        # The overview's security and visibility cards; requests and choices add theirs.
        register_card("two_factor", 10, selectors.two_factor_card)
        register_card("devices", 20, selectors.signed_in_devices_card)
        register_card("export", 50, selectors.last_export_card)
        register_card("public_profile", 60, selectors.public_profile_card)

    @staticmethod
    def _register_navigation() -> None:
        from apps.core.navigation import NavItem, register

        register(NavItem("overview", _("Overview"), "accounts:overview", 0))
        register(NavItem("details", _("Your details"), "accounts:details", 10, True, ("account_email",)))
        # allauth's pages that Security links to (and those below them: turning on two-factor, ...).
        security_pages = ("account_change_password", "mfa_index", "socialaccount_connections", "usersessions_list")
        register(NavItem("security", _("Security"), "accounts:security", 20, also_covers=security_pages))
        register(NavItem("public_profile", _("Public profile"), "accounts:public_profile_edit", 30))
