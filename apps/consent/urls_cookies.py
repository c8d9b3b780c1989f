"""Cookie banner and settings, and the Global Privacy Control statement (P-13)."""

from django.urls import path

from apps.consent import views_cookies

urlpatterns = [
    path("cookies/", views_cookies.cookie_settings, name="cookie_settings"),
    path("cookies/choose/", views_cookies.cookie_choose, name="cookie_choose"),
    path(".well-known/gpc.json", views_cookies.gpc_json, name="gpc_json"),
]
