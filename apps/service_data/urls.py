"""Your Account pages for the service's data, one block per sub-domain (views/<sub-domain>.py)."""

from django.urls import path

from apps.service_data.views import activity, billing, calendar, content, overview, support

app_name = "service_data"

urlpatterns = [
    path("account/service/", overview.overview, name="overview"),
    # --- content (files, shared posts, optional kinds) ---
    *content.urlpatterns,
    # --- calendar ---
    *calendar.urlpatterns,
    # --- activity (location, configuration, usage, calls) ---
    *activity.urlpatterns,
    # --- support communications ---
    *support.urlpatterns,
    # --- billing (invoices, payments) ---
    *billing.urlpatterns,
]
