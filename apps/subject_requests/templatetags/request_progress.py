"""The customer's view of a request in templates: its status in plain words and its stepper,
the same on the signed-in request page and the public status page."""

from __future__ import annotations

from django import template

from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.selectors.intents import PlainWords, plain_words
from apps.subject_requests.selectors.public import Step, customer_status, progress

register = template.Library()


@register.filter(name="customer_status")
def customer_status_filter(subject_request: SubjectRequest) -> str:
    return customer_status(subject_request.status)


@register.filter(name="plain_words")
def plain_words_filter(subject_request: SubjectRequest) -> PlainWords:
    """``{% with words=subject_request|plain_words %}``: its title in the chooser's words (#16)."""
    return plain_words(subject_request.request_type)


@register.simple_tag
def request_steps(subject_request: SubjectRequest) -> list[Step]:
    return progress(subject_request)


@register.simple_tag
def outside_progress(subject_request: SubjectRequest) -> list:
    """How far other systems have got with the request (apps/subject_requests/registry.py):
    "3 of 4 systems have confirmed", and the recipients told (GDPR Art. 19)."""
    from apps.subject_requests.registry import progress_of

    return progress_of(subject_request)
