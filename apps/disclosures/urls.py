"""Your Account → Disclosure records (P-22)."""

from django.urls import path

from apps.disclosures import views

app_name = "disclosures"

urlpatterns = [
    path("account/disclosures/", views.records, name="records"),
    path("account/disclosures.csv", views.records_csv, name="records_csv"),
]
