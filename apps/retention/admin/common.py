"""Pieces the retention admin pages share."""

from __future__ import annotations

from django.http import Http404


def is_object_id(value) -> bool:
    """A primary key as the URL may carry it: ASCII digits only ("²".isdigit() is True too)."""
    value = str(value)
    return value.isascii() and value.isdigit()


class ObjectIdAdminMixin:
    """A change or view page whose id in the URL is not a primary key is a 404, not a redirect."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is not None and not is_object_id(object_id):
            raise Http404
        return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
