"""consent:check answers as the mailings decide, with the reason; the batch streams in a fixed
number of queries; consent:write records a proven choice through the consent services."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.api.services import person_token_issue
from apps.consent.models import ConsentEvent, ConsentState, Purpose
from apps.consent.selectors.ledger import may_contact
from apps.consent.selectors.marketing import campaign_audience
from apps.consent.services.cookies import gpc_record_opt_out
from apps.consent.services.ledger import Context, consent_record, restriction_place, suppression_add
from apps.personal_data.domain import address_hash
from tests.api.conftest import is_problem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PAGE = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")
CHECK = "/api/v1/consent/check"
BATCH = "/api/v1/consent/check/batch"


def purpose(code="marketing-email") -> Purpose:
    return Purpose.objects.get(code=code)


def opt(user, granted=True, code="marketing-email"):
    consent_record(purpose=purpose(code), granted=granted, context=PAGE, actor=user, subject=user)


def check(caller, person: dict, code="marketing-email", channel="email"):
    response = caller.post(CHECK, {"purpose": code, "channel": channel, "person": person})
    assert response.status_code == 200, response.content
    return response.json()


def test_it_answers_with_the_reason(caller, customer, officer):
    assert check(caller, {"email": customer.email}) == {"allowed": False, "reason": "no_consent"}
    opt(customer)
    assert check(caller, {"email": customer.email.upper()}) == {"allowed": True, "reason": "allowed"}
    assert check(caller, {"account": str(customer.reference)})["allowed"] is True
    assert check(caller, {"email_hash": address_hash(customer.email)})["allowed"] is True
    assert check(caller, {"email": customer.email}, channel="post")["reason"] == "wrong_channel"
    restriction_place(subject=customer, reason="Accuracy contested", actor=officer)
    assert check(caller, {"account": str(customer.reference)})["reason"] == "restricted"
    assert check(caller, {"email": customer.email})["reason"] == "no_consent"  # by address: see below
    suppression_add(email=customer.email, channel="email", reason="complaint")
    assert check(caller, {"email": customer.email})["reason"] == "suppressed"


def test_an_address_without_account_reads_like_one_without_consent(caller, customer):
    unknown = check(caller, {"email": "nobody@example.test"})
    assert unknown == check(caller, {"email": customer.email}) == {"allowed": False, "reason": "no_consent"}
    suppression_add(email="nobody@example.test", channel="email", reason="complaint")
    assert check(caller, {"email": "nobody@example.test"})["reason"] == "suppressed"


def test_gpc_and_closed_accounts_have_their_reason(caller, customer):
    gpc = Context(method=ConsentEvent.Method.GPC)
    gpc_record_opt_out(purposes=[purpose("cookies-marketing")], subject=customer, context=gpc)
    assert check(caller, {"account": str(customer.reference)}, code="cookies-marketing", channel="")["reason"] == "gpc"
    User.objects.filter(pk=customer.pk).update(status=User.Status.CLOSED, closed_at=timezone.now())
    assert check(caller, {"account": str(customer.reference)})["reason"] == "account_closed"


def _population(officer, size=30) -> list[User]:
    people = [UserFactory() for _ in range(size)]
    for index, person in enumerate(people):
        if index % 2 == 0:
            opt(person)
        if index % 3 == 0:
            opt(person, granted=False)
        if index % 5 == 0:
            suppression_add(email=person.email, channel="email", reason="complaint")
        if index % 7 == 0:
            restriction_place(subject=person, reason="Contested", actor=officer, purposes=[purpose()])
        if index % 11 == 0:
            User.objects.filter(pk=person.pk).update(status=User.Status.CLOSED, closed_at=timezone.now())
    return list(User.objects.filter(pk__in=[p.pk for p in people]).order_by("pk"))


def test_the_batch_agrees_with_the_mailing_audience_and_may_contact(caller, officer):
    people = _population(officer)
    body = {"purpose": "marketing-email", "channel": "email", "people": [{"email": p.email} for p in people]}
    response = caller.post(BATCH, body)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [line["email"] for line in lines] == [p.email for p in people]
    allowed = {line["email"] for line in lines if line["allowed"]}
    audience = set(campaign_audience(purpose()).filter(pk__in=[p.pk for p in people]).values_list("email", flat=True))
    assert allowed == audience
    assert allowed == {p.email for p in people if may_contact(p, channel="email", purpose="marketing-email")}
    # By address, only the reasons an address without an account can get too.
    assert {line["reason"] for line in lines} == {"allowed", "no_consent", "suppressed"}


def test_the_batch_costs_the_same_queries_for_ten_people_or_a_thousand(caller, officer):
    def queries(count: int) -> int:
        people = [{"email": f"p{i}@example.test"} for i in range(count)]
        body = {"purpose": "marketing-email", "channel": "email", "people": people}
        with CaptureQueriesContext(connection) as captured:
            response = caller.post(BATCH, body)
            b"".join(response.streaming_content)
        # Not counted: savepoints, and PostgreSQL's SET LOCAL that lets the log row commit without
        # waiting for the disk (a session setting, not a read or write of data).
        ignored = ("SAVEPOINT", "RELEASE", "SET LOCAL")
        return len([q for q in captured.captured_queries if not q["sql"].startswith(ignored)])

    _population(officer, size=5)
    queries(1)  # the first call of a key also notes when it was last used
    # The key, the purpose, the accounts, the suppressions of addresses without one, the call's log row.
    assert queries(10) == queries(1000) <= 5


def test_a_batch_over_the_limit_is_refused(caller):
    body = {"purpose": "marketing-email", "people": [{"email": "a@b.test"}] * 10_001}
    assert is_problem(caller.post(BATCH, body), 422)


def test_it_records_a_proven_choice_with_the_client_as_actor(caller, customer):
    newsletter = purpose("newsletter")
    body = {
        "person_token": person_token_issue(user=customer),
        "purpose": "newsletter",
        "granted": True,
        "text_version": newsletter.text_hash("en"),
        "language": "en",
        "source": "app settings screen",
    }
    response = caller.post("/api/v1/consent/choices", body)
    assert response.status_code == 201, response.content
    event = ConsentEvent.objects.get(subject=customer, purpose=newsletter)
    assert event.granted is True
    assert event.actor is None
    assert event.actor_label.startswith("system:api:")
    assert "app settings screen" in event.source_page
    assert ConsentState.objects.get(subject=customer, purpose=newsletter).granted is True


def test_a_choice_on_outdated_wording_or_without_a_person_is_refused(caller, customer):
    body = {
        "person_token": person_token_issue(user=customer),
        "purpose": "newsletter",
        "granted": True,
        "text_version": "0" * 64,
        "source": "app",
    }
    assert is_problem(caller.post("/api/v1/consent/choices", body), 422)
    body["text_version"] = purpose("newsletter").text_hash("en")
    body["person_token"] = person_token_issue(user=customer) + "x"
    assert is_problem(caller.post("/api/v1/consent/choices", body), 422)
    assert not ConsentEvent.objects.filter(subject=customer).exists()


@pytest.mark.parametrize("path", [CHECK, BATCH])
def test_a_purpose_tied_to_no_channel_is_asked_by_account_only(caller, customer, officer, path):
    # Necessary cookies are tied to no channel, so no suppression list applies: by address the
    # only answers other than "allowed" would come from an account (restricted, closed), telling
    # the client which address has one. Such a purpose is asked about by account reference.
    restriction_place(subject=customer, reason="Accuracy contested", actor=officer)

    def ask(person):
        body = {"purpose": "cookies-necessary", "channel": ""}
        return caller.post(path, body | ({"person": person} if path == CHECK else {"people": [person]}))

    known, unknown = ask({"email": customer.email}), ask({"email": "nobody@example.test"})
    assert is_problem(known, 422)
    assert is_problem(unknown, 422)
    assert json.loads(known.content) == json.loads(unknown.content)
    assert is_problem(ask({"email_hash": address_hash(customer.email)}), 422)
    by_account = ask({"account": str(customer.reference)})
    assert by_account.status_code == 200
    answer = json.loads(by_account.content) if path == CHECK else json.loads(b"".join(by_account.streaming_content))
    assert answer["reason"] == "restricted"


def test_by_address_account_only_reasons_read_like_an_address_without_account(caller, customer):
    unknown = check(caller, {"email": "nobody@example.test"})
    opt(customer)
    User.objects.filter(pk=customer.pk).update(status=User.Status.CLOSED, closed_at=timezone.now())
    assert check(caller, {"account": str(customer.reference)})["reason"] == "account_closed"
    assert check(caller, {"email": customer.email}) == unknown == {"allowed": False, "reason": "no_consent"}
    body = {"purpose": "marketing-email", "channel": "email", "people": [{"email_hash": address_hash(customer.email)}]}
    line = json.loads(b"".join(caller.post(BATCH, body).streaming_content))
    assert line["reason"] == "no_consent"


@pytest.mark.parametrize("path", [CHECK, BATCH])
def test_a_channel_bound_purpose_without_a_channel_is_refused(caller, customer, path):
    opt(customer)
    person = {"account": str(customer.reference)}
    body = {"purpose": "marketing-email", "channel": ""}
    body |= {"person": person} if path == CHECK else {"people": [person]}
    response = caller.post(path, body)
    assert is_problem(response, 422)
    assert response.json()["errors"][0]["loc"] == ["body", "channel"]


def test_a_single_check_reads_no_key_or_purpose_once_they_are_cached(caller, customer):
    check(caller, {"email": customer.email})

    with CaptureQueriesContext(connection) as captured:
        check(caller, {"email": customer.email})
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2, statements  # the decision and the call's log row
    assert "accounts_user" in statements[0]
    assert "api_apicall" in statements[1]


def test_a_changed_purpose_reaches_the_next_check(caller, customer):
    opt(customer)
    assert check(caller, {"email": customer.email})["allowed"] is True
    marketing = purpose()
    marketing.is_active = False
    marketing.save()
    assert check(caller, {"email": customer.email})["reason"] == "purpose_inactive"


def test_a_single_check_agrees_with_the_batch(caller, officer):
    people = _population(officer, size=24)
    others = ["nobody@example.test", "listed@example.test"]
    suppression_add(email="listed@example.test", channel="email", reason="complaint")
    for code, channel in [("marketing-email", "email"), ("cookies-necessary", ""), ("statistics", "")]:
        asked = [{"account": str(p.reference)} for p in people]
        if channel:  # a purpose tied to no channel is asked about by account only
            asked += [{"email": p.email} for p in people]
            asked += [{"email": address} for address in others] + [{"email_hash": address_hash(others[1])}]
        body = {"purpose": code, "channel": channel, "people": asked}
        lines = [json.loads(line) for line in b"".join(caller.post(BATCH, body).streaming_content).splitlines()]
        singles = [check(caller, person, code=code, channel=channel) for person in asked]
        assert [{"allowed": line["allowed"], "reason": line["reason"]} for line in lines] == singles
