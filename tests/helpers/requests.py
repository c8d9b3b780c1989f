"""Subject requests as an officer files them, and the admin addresses of their pages."""

from django.urls import reverse

from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.services.intake import subject_request_create


def file_request(subject=None, *, request_type="access", email="", received_at=None, channel="email", **extra):
    """A request logged by an officer: the subject's, or a stranger's when only ``email`` is given."""
    request, created = subject_request_create(
        request_type=request_type,
        channel=channel,
        actor=None,
        subject=subject,
        requester_email=email,
        requester_name="Sam Someone" if email else "",
        received_at=received_at,
        verification_method="officer",
        verification_note="Replied from the account's address",
        **extra,
    )
    assert created
    return request


def request_page(request: SubjectRequest) -> str:
    return reverse("admin:subject_requests_subjectrequest_change", args=[request.pk])


def step_url(request: SubjectRequest, code: str) -> str:
    return reverse("admin:subject_requests_subjectrequest_step", args=[request.pk, code])
