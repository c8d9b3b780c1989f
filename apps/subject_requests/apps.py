from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectRequestsConfig(AppConfig):
    name = "apps.subject_requests"
    label = "subject_requests"
    verbose_name = _("Subject requests")
