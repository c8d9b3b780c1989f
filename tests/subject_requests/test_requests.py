"""Your Account → Your requests: who may and who may not, a form per type, re-authentication, replies,
withdrawal; and the request's lifecycle: transitions, messages and the emails they send."""

from __future__ import annotations

import re
import uuid
from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import formats

from apps.consent.models import ConsentEvent, Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.core.actors import SystemActor
from apps.subject_requests.models import RequestMessage, RequestType, SubjectRequest
from apps.subject_requests.selectors import requests as selectors
from apps.subject_requests.selectors.requests import allowed_transitions
from apps.subject_requests.services.intake import subject_request_create
from apps.subject_requests.services.requests import (
    subject_request_message,
    subject_request_note,
    subject_request_transition,
)
from apps.subject_requests.services.workflow import subject_requests_assign
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import reauthenticate
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
Status = SubjectRequest.Status
LIST_URL = "/account/requests/"
NEW_URL = "/account/requests/new/"


def new_url(request_type: str) -> str:
    return f"/account/requests/new/{request_type}/"


def detail_url(request: SubjectRequest) -> str:
    return f"/account/requests/{request.reference}/"


def file_for(user, request_type: str = "access", **kwargs) -> SubjectRequest:
    request, _created = subject_request_create(
        request_type=request_type,
        channel="account",
        actor=user,
        subject=user,
        verification_method="signed_in",
        **kwargs,
    )
    return request


def consent_to(user, *codes: str) -> None:
    for code in codes:
        consent_record(
            purpose=Purpose.objects.get(code=code),
            granted=True,
            context=Context(method=ConsentEvent.Method.ACCOUNT_PAGE),
            actor=user,
            subject=user,
        )


@pytest.fixture
def customer_client(client_as, customer) -> Client:
    return reauthenticate(client_as("customer"))


# --- Your requests: the list ------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST_URL, NEW_URL, new_url("access")])
def test_anonymous_visitors_are_sent_to_sign_in(client_as, url):
    response = client_as("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_list_shows_the_customers_own_requests_only(client_as, customer, other_customer):
    mine = file_for(customer, "access")
    theirs = file_for(other_customer, "erasure")
    unconfirmed, _ = subject_request_create(
        request_type="complaint", channel="web_form", actor=None, requester_email="x@example.test", subject=customer
    )
    response = client_as("customer").get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.short_reference in html
    assert reverse("subject_requests:detail", args=[mine.reference]) in html
    assert theirs.short_reference not in html
    assert unconfirmed.short_reference not in html  # not a request until confirmed
    assert formats.date_format(mine.deadline_on, "DATE_FORMAT") in html
    assert '<a href="/account/requests/" aria-current="page">Your requests</a>' in html  # the nav item


def test_the_list_says_when_there_are_no_requests(client_as):
    response = client_as("customer").get(LIST_URL)
    assert "You have not made any requests yet." in response.content.decode()


def test_the_list_takes_the_same_queries_for_one_request_or_many(client_as, customer, django_assert_num_queries):
    file_for(customer, "access")
    client = client_as("customer")
    client.get(LIST_URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST_URL).status_code == 200
    for request_type in ("erasure", "complaint", "portability", "stop_processing", "restriction"):
        file_for(customer, request_type)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(LIST_URL)
    assert response.content.decode().count("/account/requests/") >= 6
    assert len(one.captured_queries) <= 10


# --- Detail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("customer", 200), ("other_customer", 404), ("anonymous", 302)])
def test_a_request_is_shown_to_its_subject_only(client_as, customer, persona, status):
    request = file_for(customer)
    assert client_as(persona).get(detail_url(request)).status_code == status


@pytest.mark.parametrize(
    "path",
    [
        f"/account/requests/{uuid.uuid4()}/",
        "/account/requests/not-a-reference/",
        f"/account/requests/{uuid.uuid4()}/withdraw/",
        f"/account/requests/{uuid.uuid4()}/filed/",
    ],
)
def test_unknown_or_malformed_references_are_404(client_as, path):
    assert client_as("customer").get(path).status_code == 404


def test_the_detail_shows_status_timeline_and_messages_but_not_internal_notes(client_as, customer, officer):
    request = file_for(customer, "complaint", details="The newsletter keeps coming.")
    subject_request_transition(request=request, to_status="in_progress", actor=officer, reason="Looking into it")
    subject_request_message(request=request, actor=officer, body="Which address receives it?")
    subject_request_note(request=request, actor=officer, body="Probably the old list export.")
    html = client_as("customer").get(detail_url(request)).content.decode()
    assert request.short_reference in html
    assert "We&#x27;re working on it" in html  # the customer's words (officers read "In progress")
    assert 'class="progress-steps"' in html  # the same stepper as the public status page
    assert "Which address receives it?" in html
    assert "Our privacy team wrote" in html
    assert "The newsletter keeps coming." in html
    assert "Probably the old list export." not in html
    assert "Looking into it" not in html  # officers' reasons stay internal
    assert officer.email not in html


def test_a_rejection_shows_its_reason_and_the_authority(client_as, customer, officer):
    request = file_for(customer, "erasure")
    subject_request_transition(request=request, to_status="rejected", actor=officer, reason="An unpaid invoice.")
    html = client_as("customer").get(detail_url(request)).content.decode()
    assert "An unpaid invoice." in html
    assert escape(request.jurisdiction.authority_name) in html
    assert "Withdraw this request" not in html


@pytest.mark.parametrize(
    ("request_type", "title", "secondary"),
    [
        ("erasure", "Delete my data", "Erase my data"),
        ("access", "Get a copy of my data", "A copy to read (Access to my data)"),
        ("restriction", "Stop a use of my data", "Pause a use while something is settled (Restrict processing)"),
        ("complaint", "Complain", "Tell us about a concern (Complaint)"),
        ("withdrawal", "Withdraw consent", None),  # filed from Privacy choices, not the chooser
    ],
)
def test_the_request_page_is_titled_in_the_choosers_words(client_as, customer, request_type, title, secondary):
    consent_to(customer, "newsletter")
    request = file_for(
        customer, request_type, scope={"purposes": ["newsletter"]} if request_type == "withdrawal" else {}
    )
    html = client_as("customer").get(detail_url(request)).content.decode()
    assert re.search(r"<h1>\s*(.*?)\s*</h1>", html).group(1) == title
    kind = re.search(r'<p class="request-kind">(.*?)</p>', html)
    if secondary is None:
        assert kind is None
    else:
        assert re.sub(r"<[^>]+>", "", kind.group(1)).strip() == secondary
    listed = client_as("customer").get("/account/requests/").content.decode()
    assert f'data-label="Type">{title}' in listed


# --- New request: the type picker and a form per type ------------------------------------------


def test_the_new_request_page_leads_to_every_type_but_withdrawal(client_as):
    """Withdrawing consent is a switch on Privacy choices (the chooser: test_rights_chooser.py)."""
    html = client_as("customer").get(NEW_URL).content.decode()
    for value in RequestType.values:
        assert (new_url(value) in html) is (value != RequestType.WITHDRAWAL)
    assert 'href="/account/privacy-choices/"' in html


@pytest.mark.parametrize("request_type", RequestType.values)
def test_each_type_has_a_form_with_an_explanation(client_as, request_type):
    response = client_as("customer").get(new_url(request_type))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What happens next" in html
    assert str(RequestType(request_type).label) in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_type_is_404_and_files_nothing(customer_client, method):
    response = getattr(customer_client, method)(new_url("everything"), {"details": "all of it"})
    assert response.status_code == 404
    assert not SubjectRequest.objects.exists()


def test_filing_asks_for_the_password_again_first(client_as, customer):
    client = client_as("customer")
    asked = client.post(new_url("access"), {"details": "Everything since 2020."})
    assert asked.status_code == 302
    assert asked["Location"] == f"{reverse('account_reauthenticate')}?next=%2Faccount%2Frequests%2Fnew%2Faccess%2F"
    assert not SubjectRequest.objects.exists()
    wrong = client.post(asked["Location"], {"password": "not-the-password"})
    assert wrong.status_code == 200
    assert not SubjectRequest.objects.exists()
    response = client.post(asked["Location"], {"password": TEST_PASSWORD})  # allauth replays the POST
    request = SubjectRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/account/requests/{request.reference}/filed/"
    assert request.details == "Everything since 2020."


def test_an_access_request_is_filed_and_confirmed_with_its_reference(customer_client, customer):
    response = customer_client.post(new_url("access"), {"details": "  Everything since 2020.  "})
    request = SubjectRequest.objects.get()
    assert response["Location"] == f"/account/requests/{request.reference}/filed/"
    assert (request.request_type, request.status, request.channel) == ("access", Status.OPEN, "account")
    assert (request.subject, request.verification_method, request.language) == (customer, "signed_in", "en")
    assert request.details == "Everything since 2020."
    assert request.scope == {}
    assert request.history.first().history_user == customer
    html = customer_client.get(response["Location"]).content.decode()
    assert "We received your request" in html
    assert request.short_reference in html
    assert formats.date_format(request.deadline_on, "DATE_FORMAT") in html


def test_a_request_is_filed_in_the_language_of_the_page(customer_client, customer):
    customer.preferred_language = "vi"  # a signed-in customer's pages are in their language
    customer.save()
    customer_client.post(new_url("portability"), {})
    assert SubjectRequest.objects.get().language == "vi"


def test_a_second_request_of_the_same_type_is_linked_not_doubled(customer_client, customer):
    first = file_for(customer, "access")
    response = customer_client.post(new_url("access"), {"details": "Again"})
    assert SubjectRequest.objects.count() == 1
    assert response["Location"] == f"/account/requests/{first.reference}/filed/"
    html = customer_client.get(response["Location"]).content.decode()
    assert "We are already handling this request" in html
    assert first.short_reference in html
    assert RequestMessage.objects.filter(request=first, kind=RequestMessage.Kind.INTERNAL).exists()


def test_someone_elses_filed_page_is_404(client_as, customer):
    request = file_for(customer)
    assert client_as("other_customer").get(f"/account/requests/{request.reference}/filed/").status_code == 404


# --- Type specifics go into scope ---------------------------------------------------------------


def test_restriction_of_all_processing(customer_client):
    customer_client.post(new_url("restriction"), {"extent": "all"})
    assert SubjectRequest.objects.get().scope == {"all_processing": True}


def test_restriction_of_chosen_purposes(customer_client):
    customer_client.post(new_url("restriction"), {"extent": "purposes", "purposes": ["profiling", "statistics"]})
    request = SubjectRequest.objects.get()
    assert request.scope == {"all_processing": False, "purposes": ["profiling", "statistics"]}


@pytest.mark.parametrize(
    "data",
    [
        {"extent": "purposes"},  # none chosen
        {"extent": "purposes", "purposes": ["no-such-purpose"]},
        {"extent": "purposes", "purposes": ["cookies-statistics"]},  # a cookie category, not a processing purpose
        {"extent": "everything-and-more"},
        {},
    ],
)
def test_a_restriction_without_a_valid_extent_files_nothing(customer_client, data):
    response = customer_client.post(new_url("restriction"), data)
    assert response.status_code == 400
    assert not SubjectRequest.objects.exists()


def test_inactive_purposes_are_not_offered(customer_client):
    Purpose.objects.filter(code="profiling").update(is_active=False)
    assert 'value="profiling"' not in customer_client.get(new_url("restriction")).content.decode()
    response = customer_client.post(new_url("objection"), {"purposes": ["profiling"]})
    assert response.status_code == 400
    assert not SubjectRequest.objects.exists()


def test_an_objection_names_purposes_and_says_direct_marketing_stops_at_once(customer_client):
    html = customer_client.get(new_url("objection")).content.decode()
    assert "An objection to direct marketing takes effect at once" in html
    assert "Offers by email (direct marketing)" in html
    customer_client.post(new_url("objection"), {"purposes": ["marketing-email", "profiling"]})
    assert SubjectRequest.objects.get().scope == {"purposes": ["marketing-email", "profiling"]}


def test_an_objection_needs_a_purpose(customer_client):
    assert customer_client.post(new_url("objection"), {"details": "stop"}).status_code == 400
    assert not SubjectRequest.objects.exists()


def test_a_withdrawal_offers_only_what_the_customer_consents_to(customer_client, customer):
    consent_to(customer, "newsletter", "surveys")
    html = customer_client.get(new_url("withdrawal")).content.decode()
    assert 'value="newsletter"' in html
    assert 'value="surveys"' in html
    assert 'value="marketing-post"' not in html
    forged = customer_client.post(new_url("withdrawal"), {"purposes": ["marketing-post"]})
    assert forged.status_code == 400
    assert not SubjectRequest.objects.exists()
    customer_client.post(new_url("withdrawal"), {"purposes": ["newsletter"]})
    assert SubjectRequest.objects.get().scope == {"purposes": ["newsletter"]}


def test_a_withdrawal_without_any_consent_says_there_is_nothing_to_withdraw(customer_client):
    response = customer_client.get(new_url("withdrawal"))
    assert "there is nothing to withdraw" in response.content.decode()
    assert customer_client.post(new_url("withdrawal"), {"purposes": ["newsletter"]}).status_code == 400
    assert not SubjectRequest.objects.exists()


def test_a_rectification_stores_only_the_changed_fields(customer_client, customer):
    customer.phone = "+442079460958"
    customer.country = "GB"
    customer.mailing_address = "1 Old Road"
    customer.save()
    html = customer_client.get(new_url("rectification")).content.decode()
    assert 'value="Casey Customer"' in html  # the current values, ready to edit
    customer_client.post(
        new_url("rectification"),
        {
            "full_name": "Casey Customer",
            "phone": "+44 20 7946 0958",  # the same number, written differently
            "mailing_address": "2 New Street",
            "country": "GB",
            "details": "I moved.",
        },
    )
    request = SubjectRequest.objects.get()
    assert request.scope == {"changes": {"mailing_address": "2 New Street"}}
    assert request.details == "I moved."


def test_a_rectification_changing_nothing_is_refused(customer_client, customer):
    response = customer_client.post(
        new_url("rectification"), {"full_name": customer.full_name, "phone": "", "mailing_address": "", "country": "GB"}
    )
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert not SubjectRequest.objects.exists()


@pytest.mark.parametrize("data", [{"phone": "+44 12"}, {"country": "XX"}, {"full_name": "x" * 151}])
def test_a_rectification_with_bad_values_is_refused(customer_client, data):
    response = customer_client.post(new_url("rectification"), {"full_name": "New Name", **data})
    assert response.status_code == 400
    assert not SubjectRequest.objects.exists()


@pytest.mark.parametrize("request_type", ["complaint", "stop_processing"])
def test_complaints_and_stop_processing_need_details(customer_client, request_type):
    assert customer_client.post(new_url(request_type), {"details": "  "}).status_code == 400
    customer_client.post(new_url(request_type), {"details": "Please stop profiling me."})
    request = SubjectRequest.objects.get()
    assert (request.request_type, request.details, request.scope) == (request_type, "Please stop profiling me.", {})


def test_the_erasure_form_explains_what_is_kept_and_links_to_delete_account(customer_client):
    html = customer_client.get(new_url("erasure")).content.decode()
    assert "What we keep, why, and for how long" in html
    assert reverse("retention:delete") in html
    customer_client.post(new_url("erasure"), {})
    assert SubjectRequest.objects.get().request_type == "erasure"


def test_details_are_limited_in_length(customer_client):
    assert customer_client.post(new_url("access"), {"details": "x" * 5001}).status_code == 400
    assert not SubjectRequest.objects.exists()


# --- Replies -----------------------------------------------------------------------------------


def test_the_customer_replies_to_their_request(client_as, customer):
    request = file_for(customer, "complaint", details="Spam")
    response = client_as("customer").post(f"{detail_url(request)}message/", {"body": "It is still coming."})
    assert response.status_code == 302
    message = RequestMessage.objects.get(request=request)
    assert (message.kind, message.author, message.body) == ("from_subject", customer, "It is still coming.")
    assert "It is still coming." in client_as("customer").get(detail_url(request)).content.decode()


@pytest.mark.parametrize(("persona", "status"), [("other_customer", 404), ("anonymous", 302)])
def test_no_one_else_replies(client_as, customer, persona, status):
    request = file_for(customer)
    assert client_as(persona).post(f"{detail_url(request)}message/", {"body": "hello"}).status_code == status
    assert not RequestMessage.objects.filter(request=request).exists()


def test_an_empty_reply_is_refused(client_as, customer):
    request = file_for(customer)
    response = client_as("customer").post(f"{detail_url(request)}message/", {"body": "   "})
    assert response.status_code == 400
    assert not RequestMessage.objects.filter(request=request).exists()


def test_replies_are_post_only(client_as, customer):
    request = file_for(customer)
    assert client_as("customer").get(f"{detail_url(request)}message/").status_code == 405


# --- Withdraw ----------------------------------------------------------------------------------


def test_withdrawing_asks_first_then_withdraws(client_as, customer):
    request = file_for(customer, "erasure")
    client = client_as("customer")
    assert "Withdraw this request" in client.get(detail_url(request)).content.decode()
    page = client.get(f"{detail_url(request)}withdraw/")
    assert page.status_code == 200
    assert "Yes, withdraw this request" in page.content.decode()
    request.refresh_from_db()
    assert request.status == Status.OPEN  # asking changes nothing
    response = client.post(f"{detail_url(request)}withdraw/")
    assert response["Location"] == detail_url(request)
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert request.closed_at is not None
    assert request.history.first().history_user == customer


@pytest.mark.parametrize(("persona", "status"), [("other_customer", 404), ("anonymous", 302)])
def test_no_one_else_withdraws(client_as, customer, persona, status):
    request = file_for(customer)
    assert client_as(persona).post(f"{detail_url(request)}withdraw/").status_code == status
    request.refresh_from_db()
    assert request.status == Status.OPEN


def test_a_closed_request_cannot_be_withdrawn(client_as, customer):
    request = file_for(customer, "erasure")
    subject_request_transition(request=request, to_status="withdrawn", actor=SystemActor("tests"), reason="x")
    client = client_as("customer")
    assert "Withdraw this request" not in client.get(detail_url(request)).content.decode()
    response = client.post(f"{detail_url(request)}withdraw/")
    assert response.status_code == 409
    assert "can no longer be withdrawn" in response.content.decode()
    assert request.history.count() == 2


def test_a_request_awaiting_approval_cannot_be_withdrawn(client_as, customer, officer):
    request = file_for(customer, "erasure")
    subject_request_transition(request=request, to_status="in_progress", actor=officer, reason="x")
    subject_request_transition(request=request, to_status="awaiting_approval", actor=officer, reason="x")
    assert client_as("customer").post(f"{detail_url(request)}withdraw/").status_code == 409
    request.refresh_from_db()
    assert request.status == Status.AWAITING_APPROVAL


def test_staff_and_customers_without_requests_see_an_empty_list(client_as, db):
    other = UserFactory(email="third@example.test")
    file_for(other)
    assert "You have not made any requests yet." in client_as("customer").get(LIST_URL).content.decode()


def test_your_requests_stays_highlighted_on_a_requests_own_page(client_as, customer):
    from apps.subject_requests.services.intake import subject_request_create

    request, _ = subject_request_create(
        request_type="access", channel="account", actor=customer, subject=customer, verification_method="signed_in"
    )
    page = client_as("customer").get(reverse("subject_requests:detail", args=[request.reference]))
    current = [item for item in page.context["account_nav"] if item["current"]]
    assert [item["key"] for item in current] == ["requests"]


# --- The lifecycle: transitions and messages ------------------------------------------------------


def test_an_erasure_under_way_can_no_longer_be_withdrawn_or_rejected(customer, officer):
    request = file_request(customer, request_type="erasure")
    subject_request_transition(request=request, to_status=Status.IN_PROGRESS, actor=officer, reason="Started")
    SubjectRequest.objects.filter(pk=request.pk).update(execution={"erasure": {"id": 1, "reference": "x"}})
    request.refresh_from_db()
    assert Status.WITHDRAWN not in allowed_transitions(request)
    for status in (Status.WITHDRAWN, Status.REJECTED):
        with pytest.raises(ValidationError, match="under way"):
            subject_request_transition(request=request, to_status=status, actor=customer, reason="Changed my mind")
    assert SubjectRequest.objects.get(pk=request.pk).status == Status.IN_PROGRESS


def test_a_closed_request_takes_no_more_messages_from_its_subject(customer, officer):
    request = file_request(customer)
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=officer, reason="Not ours")
    with pytest.raises(ValidationError):
        subject_request_message(request=request, actor=customer, body="But why?")


def test_someone_without_an_account_is_told_how_to_answer_a_message(officer):
    from django.core import mail
    from django.test import TestCase

    request = file_request(email="no-account@example.test", request_type="complaint")
    with TestCase.captureOnCommitCallbacks(execute=True):
        subject_request_message(request=request, actor=officer, body="Which date was the call?")
    body = mail.outbox[-1].body
    assert "quote the reference" in body
    assert reverse("subject_requests:status", args=[request.reference]) in body
    assert reverse("subject_requests:list") not in body


def test_the_assignee_is_told_when_the_subject_writes_without_the_message_itself(customer, officer):
    from django.core import mail
    from django.test import TestCase

    request = file_request(customer, request_type="complaint")
    subject_requests_assign(requests=[request], assignee=officer, actor=officer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        subject_request_message(request=request, actor=customer, body="My flat number is 4B, please note.")
    to_officer = [m for m in mail.outbox if m.to == [officer.email]]
    assert len(to_officer) == 1
    assert request.short_reference in to_officer[0].subject
    assert "flat number" not in to_officer[0].body  # (not "4B": a reference can hold those letters)


def test_requests_tied_to_no_one_are_not_related_to_each_other():
    one, _ = subject_request_create(
        request_type="erasure", channel="facebook", actor=None, verification_method="facebook"
    )
    two, _ = subject_request_create(
        request_type="erasure",
        channel="facebook",
        actor=None,
        verification_method="facebook",
        scope={"facebook_user_id": "2"},
    )
    assert not selectors.related_requests(one).exists()
    assert two.pk != one.pk
