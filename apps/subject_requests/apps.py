from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectRequestsConfig(AppConfig):
    name = "apps.subject_requests"
    label = "subject_requests"
    verbose_name = _("Subject requests")

    def ready(self) -> None:
        self._connect_tasks()
        self._register_navigation()
        self._register_statistics()
        self._register_dashboard()
        self._register_workspace()
        # The access answer names the supervisory authority of the person's jurisdiction.
        from apps.personal_data.registry import register_authority
        from apps.subject_requests.selectors.jurisdictions import authority_for_subject

        register_authority(authority_for_subject)

    @staticmethod
    def _connect_tasks() -> None:
        # The worker's jobs (execution, acknowledgement) and beat's tasks.
        from apps.subject_requests import tasks  # noqa: F401

    @staticmethod
    def _register_statistics() -> None:
        from apps.retention.selectors.statistics import register_request_counter
        from apps.subject_requests.selectors.dashboard import requests_by_type_since

        # The investors' report counts requests per right exercised (P-26), small cells suppressed.
        register_request_counter(requests_by_type_since)

    @staticmethod
    def _register_dashboard() -> None:
        from apps.subject_requests.admin.dashboard import register as register_dashboard_pages

        # The officers' dashboard and its yearly CSV: site-level admin pages at /admin/requests/dashboard/.
        register_dashboard_pages()

    @staticmethod
    def _register_workspace() -> None:
        from apps.core.admin.workspace import register_tile
        from apps.subject_requests.domain import VIEW_PERMISSION
        from apps.subject_requests.selectors.workspace import request_tiles

        # The privacy-operations home: the queue's tiles first (officers and auditors).
        register_tile(
            "subject_requests", order=10, may_view=lambda user: user.has_perm(VIEW_PERMISSION), provider=request_tiles
        )

    @staticmethod
    def _register_navigation() -> None:
        from apps.core.navigation import NavItem
        from apps.core.navigation import register as register_nav_item

        # Your Account → Your requests (P-30): after "Your data" and "How long we keep your data".
        register_nav_item(NavItem("requests", _("Your requests"), "subject_requests:list", 47, covers_subpages=True))

        from apps.core.navigation import register_card
        from apps.subject_requests.selectors.requests import requests_overview_card

        # The Your Account overview: open requests and the next date one is due by.
        register_card("requests", 30, requests_overview_card)
