from django.urls import path

from apps.breaches import views

app_name = "breaches"

urlpatterns = [
    # The public notice (Art. 34(3)(c)): readable by anyone once an officer publishes it.
    path("security-notices/<uuid:reference>/", views.notice, name="notice"),
]
