"""A fresh second factor before erase, export, purge and hold release in the admin
(apps.core.admin.reauthentication): a staff session whose last code is older than
ACCOUNT_REAUTHENTICATION_TIMEOUT is sent to re-authenticate and comes back to the same
confirmation page; nothing is carried out on the way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.personal_data.models import ErasureRun
from apps.retention.models import PurgeRun
from apps.subject_requests.models import SubjectRequest
from tests.disclosures.factories import record
from tests.helpers import make_staff, reauthenticate_second_factor, sign_in
from tests.helpers.holds import hold_on
from tests.helpers.requests import file_request, step_url

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Past the re-authentication timeout, well within the staff session's idle time.
LATER = MORNING + timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 60)
USERS = reverse("admin:accounts_user_changelist")


@pytest.fixture
def stale_officer(client_as, officer, time_machine):
    """An officer who signed in with their second factor six minutes ago."""
    time_machine.move_to(MORNING, tick=False)
    client = client_as("officer")
    time_machine.move_to(LATER, tick=False)
    return client


def asks_for_a_fresh_code(response, come_back_to: str) -> str:
    assert response.status_code == 302
    expected = f"{reverse('mfa_reauthenticate')}?{urlencode({'next': come_back_to})}"
    assert response["Location"] == expected
    return response["Location"]


def test_a_session_fresh_from_its_second_factor_goes_straight_on(client_as, customer, time_machine):
    time_machine.move_to(MORNING, tick=False)
    client = client_as("officer")
    time_machine.move_to(MORNING + timedelta(minutes=4), tick=False)
    page = client.post(USERS, {"action": "erase_personal_data", ACTION_CHECKBOX_NAME: [customer.pk]})
    assert page.status_code == 200
    assert "Erasure cannot be undone" in page.content.decode()


def test_a_stale_session_re_authenticates_before_erasing_and_confirms_again(stale_officer, officer, customer):
    erase = {"action": "erase_personal_data", ACTION_CHECKBOX_NAME: [customer.pk]}
    confirmed = {**erase, "confirm": "yes", "reason": "erasure request PR-7"}

    location = asks_for_a_fresh_code(
        stale_officer.post(USERS, confirmed), reverse("admin:staff_reauthentication_resume")
    )
    assert not ErasureRun.objects.exists()

    back = reauthenticate_second_factor(stale_officer, officer, next_url=location)
    assert back["Location"] == reverse("admin:staff_reauthentication_resume")
    resume = stale_officer.get(back["Location"])
    assert resume.status_code == 200
    fields = resume.context["fields"]
    assert ["reason", "erasure request PR-7"] in fields
    assert [ACTION_CHECKBOX_NAME, str(customer.pk)] in fields
    assert "confirm" not in {name for name, _ in fields}  # the officer confirms again
    assert resume.context["action_path"] == USERS

    page = stale_officer.post(USERS, dict(fields))
    assert "Erasure cannot be undone" in page.content.decode()
    assert not ErasureRun.objects.exists()
    assert stale_officer.post(USERS, confirmed).status_code == 302
    assert ErasureRun.objects.get().subject_id == customer.pk


def test_a_stale_session_re_authenticates_before_releasing_a_hold(stale_officer, officer, customer):
    hold = hold_on(customer, officer)
    release = reverse("admin:retention_legalhold_release", args=[hold.pk])

    location = asks_for_a_fresh_code(stale_officer.post(release, {"release_note": "Debt paid"}), release)
    hold.refresh_from_db()
    assert hold.is_active
    assert asks_for_a_fresh_code(stale_officer.get(release), release)

    back = reauthenticate_second_factor(stale_officer, officer, next_url=location)
    assert back["Location"] == release
    assert "Yes, release the hold" in stale_officer.get(release).content.decode()
    stale_officer.post(release, {"release_note": "Debt paid"})
    hold.refresh_from_db()
    assert not hold.is_active


def test_a_stale_session_re_authenticates_before_running_a_purge(
    stale_officer, officer, django_capture_on_commit_callbacks
):
    run = reverse("admin:retention_purgerun_run")
    location = asks_for_a_fresh_code(stale_officer.post(run), run)
    assert not PurgeRun.objects.exists()

    back = reauthenticate_second_factor(stale_officer, officer, next_url=location)
    assert back["Location"] == run
    assert "Yes, run the purge now" in stale_officer.get(run).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        stale_officer.post(run)
    assert PurgeRun.objects.get().actor == officer


@pytest.mark.parametrize("request_type", ["access", "erasure"])
def test_a_stale_session_re_authenticates_before_starting_an_export_or_an_erasure(
    stale_officer, officer, customer, request_type, django_capture_on_commit_callbacks
):
    request = file_request(customer, request_type=request_type)
    start = step_url(request, "start")

    location = asks_for_a_fresh_code(stale_officer.post(start, {"reason": ""}), start)
    request.refresh_from_db()
    assert request.status == SubjectRequest.Status.OPEN

    back = reauthenticate_second_factor(stale_officer, officer, next_url=location)
    assert back["Location"] == start
    assert stale_officer.get(start).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        assert stale_officer.post(start, {"reason": ""}).status_code == 302
    request.refresh_from_db()
    assert request.status == SubjectRequest.Status.IN_PROGRESS


def test_steps_that_start_no_engine_need_no_fresh_code(stale_officer, customer):
    request = file_request(customer, request_type="access")
    assert stale_officer.get(step_url(request, "reject")).status_code == 200


def test_the_resume_page_without_a_pending_action_goes_to_the_index(client_as):
    client = client_as("officer")
    response = client.get(reverse("admin:staff_reauthentication_resume"))
    assert response["Location"] == reverse("admin:index")
    assert client.post(reverse("admin:staff_reauthentication_resume")).status_code == 405


def test_the_helper_decorates_a_plain_view_function_too(officer, time_machine):
    @fresh_second_factor_required
    def change_role(request, reference):
        return HttpResponse(f"changed {reference}")

    def post():
        request = RequestFactory().post("/admin/accounts/user/roles/", {"role": "auditor"})
        request.session, request.user = session, officer
        request._messages = FallbackStorage(request)
        return request

    session = SessionStore()
    time_machine.move_to(MORNING, tick=False)
    record_authentication(post(), officer, "mfa", type="totp")
    assert change_role(post(), "abc").content == b"changed abc"
    time_machine.move_to(LATER, tick=False)
    response = change_role(post(), "abc")
    assert response["Location"] == f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2Faccounts%2Fuser%2Froles%2F"


@pytest.mark.parametrize(
    ("changelist", "make_row"),
    [
        ("admin:consent_consentevent_changelist", "consent_event"),
        ("admin:disclosures_disclosure_changelist", "disclosure"),
    ],
)
def test_a_stale_session_re_authenticates_before_a_bulk_csv_export(
    stale_officer, officer, customer, changelist, make_row
):
    row = _row(make_row, officer, customer)
    url = reverse(changelist)
    export = {"action": "export_csv", ACTION_CHECKBOX_NAME: [row.pk]}

    location = asks_for_a_fresh_code(stale_officer.post(url, export), reverse("admin:staff_reauthentication_resume"))
    reauthenticate_second_factor(stale_officer, officer, next_url=location)
    resume = stale_officer.get(reverse("admin:staff_reauthentication_resume"))
    assert resume.context["action_path"] == url
    response = stale_officer.post(url, dict(resume.context["fields"]))
    assert response["Content-Type"].startswith("text/csv")


def _row(kind: str, officer, customer):
    if kind == "consent_event":
        page = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/")
        purpose = Purpose.objects.get(code="newsletter")
        return consent_record(purpose=purpose, granted=True, context=page, actor=customer, subject=customer)
    return record(actor=officer, subjects=[customer])


def test_a_stale_superuser_re_authenticates_before_changing_a_role(support_agent, time_machine):
    root = make_staff("root@example.test", PRIVACY_OFFICER)
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    time_machine.move_to(MORNING, tick=False)
    client = Client()
    sign_in(client, root)
    time_machine.move_to(LATER, tick=False)
    url = reverse("admin:accounts_user_staff_access", args=[support_agent.pk])
    change = {"role": AUDITOR, "reason": "moved to the audit team", "confirm": "yes"}

    location = asks_for_a_fresh_code(client.post(url, change), url)
    assert list(support_agent.groups.values_list("name", flat=True)) == [SUPPORT_AGENT]

    assert reauthenticate_second_factor(client, root, next_url=location)["Location"] == url
    assert client.post(url, change).status_code == 302
    assert list(support_agent.groups.values_list("name", flat=True)) == [AUDITOR]
