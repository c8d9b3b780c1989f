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
