"""Your Account pages: content."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
