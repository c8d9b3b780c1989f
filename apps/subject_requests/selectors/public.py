"""Reads of the public pages: a request by its reference, showing no personal data."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from apps.subject_requests.models import SubjectRequest


def subject_request_get_public(*, reference: Any) -> SubjectRequest:
    """A request by reference for the public status page (shows no personal data), or 404."""
    try:
        return SubjectRequest.objects.select_related("jurisdiction").get(reference=reference)
    except (SubjectRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such request") from exc
