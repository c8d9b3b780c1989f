"""Request emails greet the person by the name they are called by (#16): the account's preferred
name, else the given name from their full name (Vietnamese names put it last), else the name the
public form was sent with; with no name known, just "Hello,". In English and in Vietnamese."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from apps.subject_requests.models import RequestMessage, SubjectRequest
from apps.subject_requests.selectors.jurisdictions import jurisdiction_for
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.requests import send_to_requester
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CUSTOMER_TEMPLATES = ["acknowledged", "completed", "rejected", "message", "confirm"]


def _first_lines(request: SubjectRequest) -> list[str]:
    """The first line of each customer email about ``request``."""
    mail.outbox.clear()
    message = RequestMessage.objects.create(request=request, kind=RequestMessage.Kind.TO_SUBJECT, body="A question.")
    extra = {
        "message": {"message": message},
        "confirm": {"code": "123456", "confirm_url": "https://example.test/c", "expires_at": timezone.now()},
    }
    for template in CUSTOMER_TEMPLATES:
        assert send_to_requester(request, template, **extra.get(template, {}))
    assert len(mail.outbox) == len(CUSTOMER_TEMPLATES)
    return [m.body.splitlines()[0] for m in mail.outbox]


def _signed_in_request(user, language: str = "en") -> SubjectRequest:
    request, _ = subject_request_create(
        request_type="complaint", channel="web_form", actor=user, subject=user, language=language
    )
    return request


def test_it_greets_a_customer_by_their_preferred_name(customer):
    customer.preferred_name = "Cass"
    customer.save()
    assert _first_lines(_signed_in_request(customer)) == ["Hello Cass,"] * len(CUSTOMER_TEMPLATES)


def test_it_greets_by_the_given_name_when_none_was_chosen(customer):
    assert _first_lines(_signed_in_request(customer)) == ["Hello Casey,"] * len(CUSTOMER_TEMPLATES)


def test_it_greets_a_vietnamese_customer_by_their_given_name_in_vietnamese():
    bao = UserFactory(email="bao@example.test", full_name="Nguyễn Văn Bảo", country="VN", preferred_language="vi")
    assert _first_lines(_signed_in_request(bao, "vi")) == ["Xin chào Bảo,"] * len(CUSTOMER_TEMPLATES)


def test_a_public_request_greets_by_the_name_it_was_sent_with_only_once_its_address_is_confirmed():
    request, _ = subject_request_create(
        request_type="access",
        channel="web_form",
        actor=None,
        requester_email="mai@example.test",
        requester_name="Trần Thị Mai",
        language="vi",
        jurisdiction=jurisdiction_for(code="vn"),
    )
    # Unconfirmed, the name is anyone's words to anyone's address: no greeting by it.
    assert request.status == SubjectRequest.Status.AWAITING_VERIFICATION
    assert set(_first_lines(request)) == {"Xin chào,"}
    request.status = SubjectRequest.Status.OPEN
    assert _first_lines(request) == ["Xin chào Mai,"] * len(CUSTOMER_TEMPLATES)


@pytest.mark.parametrize(("language", "hello"), [("en", "Hello,"), ("vi", "Xin chào,")])
def test_with_no_name_known_it_just_says_hello(language, hello):
    nameless = UserFactory(email="nameless@example.test", full_name="", preferred_language=language)
    assert _first_lines(_signed_in_request(nameless, language)) == [hello] * len(CUSTOMER_TEMPLATES)
    request, _ = subject_request_create(
        request_type="access", channel="web_form", actor=None, requester_email="anon@example.test", language=language
    )
    assert _first_lines(request) == [hello] * len(CUSTOMER_TEMPLATES)
