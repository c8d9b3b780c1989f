from django.urls import path

from apps.consent import views_marketing

urlpatterns = [
    # The link and the RFC 8058 one-click address in every marketing email (P-11, P-12).
    path("unsubscribe/<str:token>/", views_marketing.unsubscribe, name="unsubscribe"),
]
