from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.core import views as core_views
from apps.disclosures.urls import access_urlpatterns as disclosures_access_urlpatterns

# The database out of reach answers 503 with a page that says nothing was saved (apps/core/views.py).
handler500 = "apps.core.views.server_error"

admin.site.site_header = "Privacy Portal administration"
admin.site.site_title = "Privacy Portal admin"
admin.site.index_title = "Privacy operations"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # First: other systems call the API far more often than people open pages, and each pattern
    # before it is one more tried on every call.
    path("", include("apps.api.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.personal_data.urls")),
    path("", include("apps.disclosures.urls")),
    # Your Account → Staff access (P-24); the staff side is a site-level admin page.
    path("", include((disclosures_access_urlpatterns, "disclosures_access"))),
    path("", include("apps.consent.urls")),
    path("", include("apps.retention.urls")),
    path("", include("apps.subject_requests.urls")),
    path("", include("apps.breaches.urls")),
    path("", include("apps.systems.urls")),
]
if settings.SERVICE_DATA_ENABLED:
    urlpatterns.append(path("", include("apps.service_data.urls")))

if settings.LOCAL_MAILBOX_ENABLED:
    urlpatterns += [
        path("dev/mail/", core_views.mailbox_list, name="mailbox_list"),
        path("dev/mail/<str:message_id>/", core_views.mailbox_detail, name="mailbox_detail"),
    ]
