from django.urls import include, path

from apps.consent import views

app_name = "consent"

urlpatterns = [
    path("account/privacy-choices/", views.choices, name="choices"),
    path("account/privacy-choices/history/", views.choice_history, name="choice_history"),
    # Cookies and Global Privacy Control, policy versions, marketing email (one module each).
    path("", include("apps.consent.urls_cookies")),
    path("", include("apps.consent.urls_policy")),
    path("", include("apps.consent.urls_marketing")),
]
