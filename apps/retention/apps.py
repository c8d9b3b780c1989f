from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"
    verbose_name = _("Retention and legal holds")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from apps.personal_data.registry import register_hold_provider
        from apps.retention import tasks  # noqa: F401  (registers the purge run's job kind)
        from apps.retention.selectors.holds import legal_holds_of
        from apps.retention.signals import cancel_deletion_on_sign_in

        # The erasure engine asks every provider which of a subject's data is held (P-42).
        register_hold_provider(legal_holds_of)
        # The privacy-operations home: holds due for review, the purge's last and next run.
        from apps.core.admin.workspace import register_tile
        from apps.retention.selectors.workspace import hold_review_tile, purge_tile

        register_tile(
            "hold_reviews",
            order=40,
            may_view=lambda user: user.has_perm("retention.view_legalhold"),
            provider=hold_review_tile,
        )
        register_tile(
            "purge", order=70, may_view=lambda user: user.has_perm("retention.view_purgerun"), provider=purge_tile
        )
        # The access answer and the records of processing give each rule's time limit.
        from apps.personal_data.registry import register_retention_rules
        from apps.retention.selectors.deletion import rules_for_processing

        register_retention_rules(rules_for_processing)
        # The aggregated statistics report (P-26): site-level admin pages at /admin/statistics/.
        from apps.retention.admin.statistics import register as register_statistics_pages

        register_statistics_pages()
        # Signing in during the grace period cancels a scheduled account deletion (P-32).
        user_logged_in.connect(cancel_deletion_on_sign_in, dispatch_uid="retention.cancel_deletion_on_sign_in")
        self._register_navigation()

    @staticmethod
    def _register_navigation() -> None:
        from apps.core.navigation import NavItem
        from apps.core.navigation import register as register_nav_item

        register_nav_item(NavItem("retention", _("How long we keep your data"), "retention:periods", 45))
        register_nav_item(NavItem("delete_account", _("Delete account"), "retention:delete", 90))
