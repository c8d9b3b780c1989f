"""URLs for staff access to customer content (P-24).

Included from config/urls.py *before* ``admin/``: the staff pages live under /admin/ but
are not model admins, and the admin's catch-all would otherwise answer first.
"""

from django.contrib import admin
from django.urls import path

from apps.disclosures import views_access

app_name = "disclosures_access"

urlpatterns = [
    path("account/staff-access/", views_access.customer_access, name="customer"),
    path("account/staff-access/<uuid:reference>/", views_access.customer_decide, name="customer_decide"),
    # Staff pages: admin_view gives the staff + MFA gate of the rest of the admin.
    path(
        "admin/customer-content/<uuid:reference>/",
        admin.site.admin_view(views_access.staff_customer_content),
        name="staff_content",
    ),
    path(
        "admin/customer-content/<uuid:reference>/picture/",
        admin.site.admin_view(views_access.staff_customer_picture),
        name="staff_picture",
    ),
    path(
        "admin/customer-content/<uuid:reference>/end/",
        admin.site.admin_view(views_access.staff_end_access),
        name="staff_end",
    ),
]
