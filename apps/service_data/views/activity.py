"""Your Account pages: activity."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
