from django.urls import path

from apps.personal_data import views

app_name = "personal_data"

urlpatterns = [
    path("account/data/", views.data, name="data"),
    path("account/data/download/<str:token>/", views.download, name="download"),
]
