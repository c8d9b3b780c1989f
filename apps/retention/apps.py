from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"
    verbose_name = _("Retention and legal holds")

    def ready(self) -> None:
        from apps.personal_data.holds import register_hold_provider
        from apps.retention.selectors import legal_holds_of

        # The erasure engine asks every provider which of a subject's data is held (P-42).
        register_hold_provider(legal_holds_of)
