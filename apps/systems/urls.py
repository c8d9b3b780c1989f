from django.urls import path

from apps.systems import views

app_name = "systems"

urlpatterns = [
    # A system's answer to a webhook, signed with its own secret (no session, no CSRF token).
    path("systems/callback/<uuid:reference>/", views.callback, name="callback"),
    # The one-time link in emailed instructions: no login.
    path("systems/confirm/<uuid:reference>/<str:token>/", views.confirm, name="confirm"),
]
