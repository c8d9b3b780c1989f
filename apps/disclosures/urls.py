"""The disclosures app's customer pages, in two namespaces (both included from config/urls.py).

- ``disclosures``: Your Account → Disclosure records (P-22).
- ``disclosures_access``: Your Account → Staff access (P-24).

The staff pages under /admin/ are site-level admin pages (admin.access.register_site_views).
"""

from django.urls import path

from apps.disclosures.views import access, records

app_name = "disclosures"

urlpatterns = [
    path("account/disclosures/", records.records, name="records"),
    path("account/disclosures.csv", records.records_csv, name="records_csv"),
]

access_urlpatterns = [
    path("account/staff-access/", access.customer_access, name="customer"),
    path("account/staff-access/<uuid:reference>/", access.customer_decide, name="customer_decide"),
]
