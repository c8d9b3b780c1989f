from django.urls import path

from apps.retention import views

app_name = "retention"

urlpatterns = [
    path("account/retention/", views.retention_periods, name="periods"),
    path("account/delete/", views.delete_account, name="delete"),
    path("account/delete/cancel/", views.delete_cancel, name="delete_cancel"),
    # Public: the customer is signed out by then; what it shows comes from their new session.
    path("account/deleted/", views.deletion_scheduled, name="deletion_scheduled"),
]
