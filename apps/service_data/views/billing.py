"""Your Account pages: billing."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
