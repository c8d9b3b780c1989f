from django.urls import path

from apps.subject_requests import views

app_name = "subject_requests"

urlpatterns = [
    path("account/requests/", views.request_list, name="list"),
    path("requests/<uuid:reference>/status/", views.request_status, name="status"),
    path("requests/<uuid:reference>/confirm/", views.request_confirm, name="confirm"),
]
