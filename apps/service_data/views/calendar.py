"""Your Account pages: calendar."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
