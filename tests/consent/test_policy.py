"""Privacy policy versions, the change notice and the acknowledgement banner (P-16)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from email import policy as email_policy
from email.parser import BytesParser

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from apps.accounts.models import User
from apps.consent.domain.policy import VersionState, policy_version_state
from apps.consent.mailing import send
from apps.consent.mailing.send import mailing_send
from apps.consent.models import Mailing, MailingDelivery, PolicyAcknowledgement, PolicyVersion
from apps.consent.selectors.policy import (
    notice_audience,
    policy_banner_for,
    policy_in_force,
    policy_upcoming,
    policy_version_is_locked,
)
from apps.consent.services.policy import (
    policy_acknowledge,
    policy_notice_resume,
    policy_notice_schedule,
    policy_version_delete,
)
from apps.core.actors import SystemActor
from apps.core.clock import organisation_today
from apps.core.jobs import job_run_here
from apps.core.tasks import run_job_task
from tests.consent.mail_backends import FailOnceBackend
from tests.factories import UserFactory
from tests.helpers import start_worker, stop_worker

ACTOR = SystemActor("tests")
TODAY = organisation_today


def make_version(
    name: str,
    *,
    days: int = 0,
    before_the_first: int | None = None,
    effective_on: date | None = None,
    material: bool = True,
) -> PolicyVersion:
    """A version taking effect ``days`` from today, ``before_the_first`` days before the seeded
    1.0 (an older version whatever the date the suite runs on), or on ``effective_on``."""
    if effective_on is None and before_the_first is None:
        effective_on = TODAY() + timedelta(days=days)
    elif effective_on is None:
        effective_on = PolicyVersion.objects.get(version="1.0").effective_on - timedelta(days=before_the_first)
    return PolicyVersion.objects.create(
        version=name,
        effective_on=effective_on,
        material_change=material,
        summary_en=f"We now keep order history for {name}.",
        summary_vi=f"Chúng tôi lưu lịch sử đơn hàng cho {name}.",
        body_en=f"English policy text of {name}.",
        body_vi=f"Văn bản chính sách tiếng Việt của {name}.",
    )


def closed_user(email: str) -> User:
    return UserFactory(email=email, status=User.Status.CLOSED, closed_at=timezone.now())


@pytest.fixture
def audience(db, customer, other_customer):
    """Who should get a notice, and who should not."""
    vietnamese = UserFactory(email="lan@example.test", full_name="Lan Nguyen", preferred_language="vi")
    closed_user("closed@example.test")
    UserFactory(email="inactive@example.test", is_active=False)
    UserFactory(email="unverified@example.test", verified_email=False)
    unverified = UserFactory(email="pending@example.test", verified_email=False)
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False, primary=True)
    return {customer.email, other_customer.email, vietnamese.email}


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- Which version, in which language ---------------------------------------------------------


@pytest.mark.django_db
def test_it_picks_the_version_in_force_by_date():
    seeded = PolicyVersion.objects.get(version="1.0")
    make_version("2.0", days=20)
    make_version("0.9", before_the_first=400, material=False)

    assert policy_in_force() == seeded
    with time_machine.travel(timezone.now() + timedelta(days=19)):
        assert policy_in_force() == seeded
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        assert policy_in_force().version == "2.0"


@pytest.mark.django_db
def test_it_shows_the_version_in_force_in_the_visitors_language(client):
    make_version("1.1", days=-10)
    make_version("2.0", days=30)

    english = client.get(reverse("consent:policy_current"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "English policy text of 1.1." in english
    assert "We now keep order history for 1.1." in english
    assert "Văn bản" not in english
    assert "Version 1.1" in english
    assert reverse("consent:policy_versions") in english
    # The coming version is announced with a link, not shown as in force.
    assert reverse("consent:policy_version", args=["2.0"]) in english
    assert "English policy text of 2.0." not in english

    vietnamese = client.get(reverse("consent:policy_current"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Văn bản chính sách tiếng Việt của 1.1." in vietnamese
    assert "lịch sử đơn hàng cho 1.1" in vietnamese
    assert "English policy text" not in vietnamese


@pytest.mark.django_db
def test_it_shows_a_signed_in_customer_their_preferred_language(client_as, customer):
    customer.preferred_language = "vi"
    customer.save()
    make_version("1.1", days=-1)
    page = client_as("customer").get(reverse("consent:policy_current"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Văn bản chính sách tiếng Việt của 1.1." in page.content.decode()


@pytest.mark.django_db
def test_it_lists_every_version_with_a_constant_number_of_queries(client):
    make_version("2.0", days=30)
    url = reverse("consent:policy_versions")
    client.get(url)  # the organisation's details are cached on the first page
    with CaptureQueriesContext(connections["default"]) as few:
        client.get(url)
    for n in range(5):
        make_version(f"0.{n}", before_the_first=500 + n, material=False)
    with CaptureQueriesContext(connections["default"]) as many:
        page = client.get(url)
    assert len(many) == len(few)

    html = page.content.decode()
    assert page.status_code == 200
    for name in ("1.0", "2.0", "0.0", "0.4"):
        assert f'href="{reverse("consent:policy_version", args=[name])}"' in html
    assert f"Takes effect on {date_format(TODAY() + timedelta(days=30), 'DATE_FORMAT')}" in html
    assert html.index(">2.0<") < html.index(">1.0<") < html.index(">0.0<")  # newest first
    assert html.count("In force") == 1


@pytest.mark.django_db
def test_it_shows_one_version_and_404s_for_an_unknown_one(client):
    make_version("2.0", days=30)
    page = client.get(reverse("consent:policy_version", args=["2.0"]))
    assert page.status_code == 200
    assert "English policy text of 2.0." in page.content.decode()
    assert "Takes effect on" in page.content.decode()
    old = client.get(reverse("consent:policy_version", args=["1.0"])).content.decode()
    assert "Version 1.0" in old

    for name in ("9.9", "x" * 300, "2.0%00", "2.0%0A", "<script>"):
        assert client.get(f"/privacy-policy/{name}/").status_code == 404
    assert client.post(reverse("consent:policy_version", args=["2.0"])).status_code == 405


# --- Scheduling the notice --------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_to_schedule_a_notice_less_than_15_days_ahead(audience):
    late = make_version("2.0", days=14)
    with pytest.raises(ValidationError) as refused:
        policy_notice_schedule(version=late, actor=ACTOR)
    message = " ".join(refused.value.messages)
    assert "15 days" in message
    assert (TODAY() + timedelta(days=15)).isoformat() in message
    assert not Mailing.objects.exists()

    in_time = make_version("2.1", days=15)
    notice = policy_notice_schedule(version=in_time, actor=ACTOR)
    assert notice.status == Mailing.Status.QUEUED
    assert notice.kind == Mailing.Kind.POLICY_NOTICE
    assert notice.send_after <= timezone.now()


@pytest.mark.django_db
def test_it_schedules_one_notice_per_version_and_only_for_a_material_change(audience):
    minor = make_version("1.1", days=30, material=False)
    with pytest.raises(ValidationError, match="material"):
        policy_notice_schedule(version=minor, actor=ACTOR)

    major = make_version("2.0", days=30)
    policy_notice_schedule(version=major, actor=ACTOR)
    with pytest.raises(ValidationError, match="already scheduled"):
        policy_notice_schedule(version=major, actor=ACTOR)
    assert Mailing.objects.filter(policy_version=major).count() == 1


@pytest.mark.django_db
def test_the_notice_reaches_exactly_the_active_verified_customers_in_their_language(audience):
    version = make_version("2.0", days=20)
    notice = policy_notice_schedule(version=version, actor=ACTOR)
    assert (notice.audience_size, notice.sent_count, notice.progress_percent) == (3, 0, 0)

    notice = mailing_send(mailing_id=notice.pk)

    assert sent_to() == sorted(audience)
    assert (notice.status, notice.audience_size, notice.sent_count, notice.progress_percent) == ("sent", 3, 3, 100)
    assert notice.started_at
    assert notice.finished_at
    assert notice.finished_at >= notice.started_at
    by_address = {message.to[0]: message for message in mail.outbox}
    url = f"http://127.0.0.1:8000{reverse('consent:policy_version', args=['2.0'])}"
    for message in mail.outbox:
        assert url in message.body
        assert "List-Unsubscribe" not in message.extra_headers
        assert "List-Unsubscribe" not in message.message().as_string()
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", None)
    english = by_address["customer@example.test"]
    assert "We now keep order history for 2.0." in english.body
    assert "2.0" in english.subject
    assert "Casey" in english.body
    vietnamese = by_address["lan@example.test"]
    assert "Chúng tôi lưu lịch sử đơn hàng cho 2.0." in vietnamese.body
    assert "order history" not in vietnamese.body

    # Sending again (a duplicate delivery, beat) changes nothing.
    mailing_send(mailing_id=notice.pk)
    job_run_here(kind=Mailing.JOB_KIND, target=notice.pk)
    assert sent_to() == sorted(audience)
    assert MailingDelivery.objects.filter(mailing=notice).count() == 3


@pytest.mark.django_db
def test_a_failed_notice_resumes_without_sending_anyone_a_second_copy(audience, settings, monkeypatch):
    for n in range(4):
        audience.add(UserFactory(email=f"extra{n}@example.test").email)
    ordered = list(notice_audience(Mailing(kind=Mailing.Kind.POLICY_NOTICE)).values_list("email", flat=True))
    assert sorted(ordered) == sorted(audience)
    monkeypatch.setattr(send, "BATCH_SIZE", 3)
    FailOnceBackend.failed.clear()
    settings.EMAIL_BACKEND = "tests.consent.mail_backends.FailOnceBackend"
    settings.TEST_EMAIL_FAIL_ONCE_FOR = ordered[4]  # the second message of the second batch
    notice = policy_notice_schedule(version=make_version("2.0", days=20), actor=ACTOR)

    with pytest.raises(Exception, match="mailbox busy"):
        mailing_send(mailing_id=notice.pk)

    notice.refresh_from_db()
    assert notice.status == Mailing.Status.FAILED
    assert "SMTPRecipientsRefused" in notice.last_error
    assert sent_to() == sorted(ordered[:4])
    # What was not sent is not counted, and not recorded as delivered.
    assert (notice.sent_count, notice.audience_size) == (4, 7)
    assert MailingDelivery.objects.filter(mailing=notice).count() == 4
    # A failed notice stays failed until an officer resumes it (a stray task does nothing).
    assert mailing_send(mailing_id=notice.pk).status == Mailing.Status.FAILED
    assert len(mail.outbox) == 4

    resumed = policy_notice_resume(version=notice.policy_version, actor=ACTOR)
    assert (resumed.status, resumed.audience_size, resumed.sent_count, resumed.last_error) == ("queued", 7, 4, "")
    done = mailing_send(mailing_id=notice.pk)

    assert (done.status, done.sent_count, done.audience_size) == ("sent", 7, 7)
    assert sent_to() == sorted(audience)
    with pytest.raises(ValidationError):
        policy_notice_resume(version=notice.policy_version, actor=ACTOR)


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_customer_one_copy(settings, monkeypatch):
    expected = {UserFactory(email=f"p{n}@example.test").email for n in range(9)}
    monkeypatch.setattr(send, "BATCH_SIZE", 2)
    settings.EMAIL_BACKEND = "tests.consent.mail_backends.SlowBackend"
    notice = policy_notice_schedule(version=make_version("2.0", days=20), actor=ACTOR)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            mailing_send(mailing_id=notice.pk)
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sent_to() == sorted(expected)
    notice.refresh_from_db()
    assert (notice.status, notice.sent_count, notice.audience_size) == ("sent", 9, 9)
    _purge_broker()  # the queue's own task message: no worker runs in this test


def _purge_broker() -> None:
    from config.celery import app

    app.control.purge()


# --- Through a real worker -----------------------------------------------------------------------


def wait_for_notice(notice: Mailing, statuses=("sent", "failed"), timeout: float = 90) -> Mailing:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        notice.refresh_from_db()
        if notice.status in statuses:
            return notice
        time.sleep(0.05)
    raise AssertionError(f"notice still {notice.status} ({notice.sent_count}/{notice.audience_size})")


@pytest.mark.worker
def test_the_worker_sends_the_notice_once_even_when_the_task_runs_again(celery_worker_process, audience):
    notice = policy_notice_schedule(version=make_version("2.0", days=20), actor=ACTOR)

    notice = wait_for_notice(notice)

    assert (notice.status, notice.sent_count, notice.audience_size, notice.last_error) == ("sent", 3, 3, "")
    delivered = set(MailingDelivery.objects.filter(mailing=notice).values_list("subject__email", flat=True))
    assert delivered == audience
    # The same job twice more (a redelivery, beat's sweep): nothing more is sent.
    results = [run_job_task.delay(notice.job.pk), run_job_task.delay(notice.job.pk)]
    assert [result.get(timeout=60) for result in results] == ["done", "done"]
    notice.refresh_from_db()
    assert (notice.sent_count, MailingDelivery.objects.filter(mailing=notice).count()) == (3, 3)


@pytest.fixture
def mailbox_worker(transactional_db, tmp_path):
    """A worker like celery_worker_process's whose mail lands in a folder this test reads."""
    mailbox = tmp_path / "mail"
    process = start_worker(
        log=tmp_path / "worker.log",
        env={"PORTAL_TEST_MAILBOX_DIR": str(mailbox)},
        settings_module="tests.consent.mailbox_worker_settings",
        concurrency=2,
    )
    try:
        yield mailbox
    finally:
        stop_worker(process)


@pytest.mark.worker
def test_the_worker_mails_each_customer_once_when_the_task_is_queued_three_times(mailbox_worker, audience):
    notice = policy_notice_schedule(version=make_version("2.0", days=20), actor=ACTOR)
    # Two more copies of its job's task: with two worker processes, they overlap with the first.
    copies = [run_job_task.delay(notice.job.pk), run_job_task.delay(notice.job.pk)]

    wait_for_notice(notice)
    # A copy that finds another process holding the job leaves it to that one, and reports the
    # job's state it saw: "running" (the other holds it) or "done"; none fails.
    assert {copy.get(timeout=60) for copy in copies} <= {"done", "running"}
    deadline = time.monotonic() + 30
    while len(list(mailbox_worker.glob("*.eml"))) < len(audience) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # anything extra would have arrived by now

    messages = [
        BytesParser(policy=email_policy.default).parsebytes(path.read_bytes())
        for path in sorted(mailbox_worker.glob("*.eml"))
    ]
    assert sorted(str(message["To"]) for message in messages) == sorted(audience)
    assert all(message["List-Unsubscribe"] is None for message in messages)
    vietnamese = next(message for message in messages if str(message["To"]) == "lan@example.test")
    assert "lịch sử đơn hàng cho 2.0" in vietnamese.get_content()
    notice.refresh_from_db()
    assert (notice.status, notice.sent_count, notice.audience_size) == ("sent", 3, 3)


# --- The admin -----------------------------------------------------------------------------------


CHANGELIST = "admin:consent_policyversion_changelist"


def change_url(version: PolicyVersion) -> str:
    return reverse("admin:consent_policyversion_change", args=[version.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "read", "write"), [("officer", 200, 200), ("auditor", 200, 403), ("support_agent", 403, 403)]
)
def test_only_officers_change_policies_and_auditors_only_read(client_as, persona, read, write):
    version = make_version("2.0", days=30)
    client = client_as(persona)
    assert client.get(reverse(CHANGELIST)).status_code == read
    assert client.get(change_url(version)).status_code == read
    assert client.get(reverse("admin:consent_policyversion_notices")).status_code == read
    assert client.get(reverse("admin:consent_policyversion_add")).status_code == write
    if write != 200:
        assert "Schedule the change notice" not in client.get(change_url(version)).content.decode()
        schedule = reverse("admin:consent_policyversion_schedule_notice", args=[version.pk])
        assert client.post(schedule).status_code == 403
        changelist_action = {"action": "schedule_notice_action", "_selected_action": [version.pk]}
        client.post(reverse(CHANGELIST), changelist_action)
        assert not Mailing.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["customer", "anonymous"])
def test_the_policy_admin_sends_customers_and_visitors_away(client_as, persona):
    version = make_version("2.0", days=30)
    client = client_as(persona)
    for url in (
        reverse(CHANGELIST),
        change_url(version),
        reverse("admin:consent_policyversion_notices"),
        reverse("admin:consent_policyversion_schedule_notice", args=[version.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
    assert client.post(reverse("admin:consent_policyversion_schedule_notice", args=[version.pk])).status_code in (
        302,
        403,
    )
    assert not Mailing.objects.exists()


@pytest.mark.django_db
def test_an_officer_schedules_the_notice_and_follows_its_progress(client_as, audience, officer):
    version = make_version("2.0", days=20)
    client = client_as("officer")
    page = client.get(change_url(version)).content.decode()
    assert "Schedule the change notice" in page

    schedule = reverse("admin:consent_policyversion_schedule_notice", args=[version.pk])
    assert client.get(schedule).status_code == 405
    assert not Mailing.objects.exists()
    response = client.post(schedule)
    assert response.status_code == 302
    assert response.url == change_url(version)
    notice = Mailing.objects.get(policy_version=version)
    assert notice.created_by == officer
    assert notice.history.first().history_user == officer
    assert notice.audience_size == 4  # the officer has an active account with a verified address too

    page = client.get(change_url(version)).content.decode()
    assert "0 of 4 sent" in page
    assert "<progress" in page
    assert "Queued" in page
    mailing_send(mailing_id=notice.pk)
    page = client.get(change_url(version)).content.decode()
    assert "4 of 4 sent" in page
    assert "100%" in page
    assert "Sent" in page
    notices = client.get(reverse("admin:consent_policyversion_notices")).content.decode()
    assert "4 of 4" in notices
    assert ">2.0<" in notices
    listing = client.get(reverse(CHANGELIST), {"q": "2.0"}).content.decode()
    assert "Sent (4/4)" in listing

    # Scheduling twice is refused with a message, not an error page.
    response = client.post(schedule, follow=True)
    assert "already scheduled" in response.content.decode()
    assert Mailing.objects.filter(policy_version=version).count() == 1


@pytest.mark.django_db
def test_the_admin_says_why_a_notice_cannot_be_scheduled(client_as):
    late = make_version("2.0", days=10)
    client = client_as("officer")
    page = client.get(change_url(late)).content.decode()
    assert "too late to announce" in page
    response = client.post(reverse("admin:consent_policyversion_schedule_notice", args=[late.pk]), follow=True)
    assert "15 days" in response.content.decode()
    assert not Mailing.objects.exists()
    for odd in ("abc", "999999"):
        assert client.post(f"/admin/consent/policyversion/{odd}/schedule-notice/").status_code == 404


@pytest.mark.django_db
def test_the_changelist_action_schedules_notices(client_as, audience):
    due = make_version("2.0", days=20)
    late = make_version("1.5", days=3)
    response = client_as("officer").post(
        reverse(CHANGELIST),
        {"action": "schedule_notice_action", "_selected_action": [due.pk, late.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert list(Mailing.objects.values_list("policy_version__version", flat=True)) == ["2.0"]
    assert "15 days" in response.content.decode()


@pytest.mark.django_db
def test_an_officer_resumes_a_failed_notice_from_its_page(client_as, audience, settings):
    FailOnceBackend.failed.clear()
    settings.EMAIL_BACKEND = "tests.consent.mail_backends.FailOnceBackend"
    settings.TEST_EMAIL_FAIL_ONCE_FOR = "customer@example.test"
    version = make_version("2.0", days=20)
    notice = policy_notice_schedule(version=version, actor=ACTOR)
    with pytest.raises(Exception, match="mailbox busy"):
        mailing_send(mailing_id=notice.pk)
    client = client_as("officer")
    page = client.get(change_url(version)).content.decode()
    assert "Failed" in page
    assert "SMTPRecipientsRefused" in page
    assert "Resume sending" in page

    resume = reverse("admin:consent_policyversion_resume_notice", args=[version.pk])
    assert client.get(resume).status_code == 405
    assert client.post(resume).status_code == 302
    notice.refresh_from_db()
    assert notice.status == Mailing.Status.QUEUED
    mailing_send(mailing_id=notice.pk)
    assert sorted(set(sent_to())) == sent_to()
    assert set(sent_to()) == audience | {"officer@example.test"}
    # Resuming a notice that did not fail is refused and changes nothing.
    response = client.post(resume, follow=True)
    assert "Only a notice that failed" in response.content.decode()


@pytest.mark.django_db
def test_a_version_in_force_or_announced_cannot_be_deleted_or_redated(client_as, audience):
    client = client_as("officer")
    in_force = PolicyVersion.objects.get(version="1.0")
    assert client.get(reverse("admin:consent_policyversion_delete", args=[in_force.pk])).status_code == 403
    with pytest.raises(ValidationError):
        policy_version_delete(version=in_force, actor=ACTOR)
    with pytest.raises(PermissionError), transaction.atomic():
        in_force.delete()
    listing = client.get(reverse(CHANGELIST)).content.decode()
    assert "delete_selected" not in listing

    announced = make_version("2.0", days=20)
    policy_notice_schedule(version=announced, actor=ACTOR)
    assert client.get(reverse("admin:consent_policyversion_delete", args=[announced.pk])).status_code == 403
    page = client.get(change_url(announced)).content.decode()
    assert 'name="effective_on"' not in page
    assert 'name="summary_en"' in page

    draft = make_version("3.0", days=60)
    response = client.post(reverse("admin:consent_policyversion_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not PolicyVersion.objects.filter(version="3.0").exists()
    assert PolicyVersion.history.filter(version="3.0", history_type="-").exists()


@pytest.mark.django_db
def test_an_officer_publishes_a_version_with_history(client_as, officer):
    client = client_as("officer")
    data = {
        "version": "2.0",
        "effective_on": (TODAY() + timedelta(days=40)).isoformat(),
        "material_change": "on",
        "summary_en": "Order history is kept for six years.",
        "summary_vi": "Lịch sử đơn hàng được lưu sáu năm.",
        "body_en": "Full text.",
        "body_vi": "Toàn văn.",
    }
    bad = client.post(reverse("admin:consent_policyversion_add"), {**data, "version": "2.0/beta"})
    assert bad.status_code == 200
    assert "Use letters, digits" in bad.content.decode()
    reserved = client.post(reverse("admin:consent_policyversion_add"), {**data, "version": "versions"})
    assert reserved.status_code == 200
    assert not PolicyVersion.objects.filter(version__in=["2.0/beta", "versions"]).exists()

    assert client.post(reverse("admin:consent_policyversion_add"), data).status_code == 302
    version = PolicyVersion.objects.get(version="2.0")
    assert version.history.first().history_user == officer
    search = client.get(reverse(CHANGELIST), {"q": "six years", "material_change__exact": "1"}).content.decode()
    assert ">2.0<" in search
    assert ">1.0<" not in search
    upcoming = client.get(reverse(CHANGELIST), {"state": "upcoming"}).content.decode()
    assert ">2.0<" in upcoming
    assert ">1.0<" not in upcoming


# --- The banner and the acknowledgement ----------------------------------------------------------


@pytest.fixture
def announced(db, audience):
    version = make_version("2.0", days=20)
    policy_notice_schedule(version=version, actor=ACTOR)
    return version


@pytest.mark.django_db
def test_the_banner_waits_for_the_notice_to_be_scheduled(client_as, customer):
    version = make_version("2.0", days=20)
    client = client_as("customer")
    assert "I have read it" not in client.get(reverse("home")).content.decode()
    policy_notice_schedule(version=version, actor=ACTOR)
    page = client.get(reverse("home")).content.decode()
    assert "I have read it" in page
    assert "We now keep order history for 2.0." in page
    assert reverse("consent:policy_version", args=["2.0"]) in page
    assert reverse("consent:policy_acknowledge", args=["2.0"]) in page
    assert "csrfmiddlewaretoken" in page


@pytest.mark.django_db
def test_the_banner_shows_until_acknowledged_and_a_second_click_is_harmless(client_as, customer, announced):
    client = client_as("customer")
    acknowledge = reverse("consent:policy_acknowledge", args=["2.0"])

    response = client.post(acknowledge, {"next": reverse("consent:choices")})
    assert response.status_code == 302
    assert response.url == reverse("consent:choices")
    assert PolicyAcknowledgement.objects.filter(subject=customer, policy_version=announced).count() == 1
    assert "I have read it" not in client.get(reverse("home")).content.decode()

    again = client.post(acknowledge, {"next": "https://elsewhere.example/"})
    assert again.status_code == 302
    assert again.url == reverse("consent:policy_version", args=["2.0"])
    assert PolicyAcknowledgement.objects.filter(subject=customer).count() == 1
    # Other customers still see it.
    assert "I have read it" in client_as("other_customer").get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_banner_ends_90_days_after_the_version_takes_effect(client_as, customer, announced):
    with time_machine.travel(timezone.now() + timedelta(days=20 + 90)):
        assert policy_banner_for(customer) == announced
    with time_machine.travel(timezone.now() + timedelta(days=20 + 91)):
        assert policy_banner_for(customer) is None


@pytest.mark.django_db
def test_the_banner_costs_one_small_query_and_none_for_visitors_and_staff(
    client_as, customer, officer, other_customer, announced, django_assert_num_queries
):
    policy_banner_for(other_customer)  # the announced versions, worked out once for everyone
    with django_assert_num_queries(1):
        assert policy_banner_for(customer) == announced
    with django_assert_num_queries(0):
        assert policy_banner_for(officer) is None
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert policy_banner_for(AnonymousUser()) is None
    assert "I have read it" not in client_as("anonymous").get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_no_announced_change_costs_no_query(customer, django_assert_num_queries):
    policy_banner_for(customer)
    with django_assert_num_queries(0):
        assert policy_banner_for(customer) is None


@pytest.mark.django_db
def test_bad_acknowledgements_are_refused_and_change_nothing(client_as, customer, announced):
    make_version("1.1", days=-5, material=False)
    client = client_as("customer")
    acknowledge = reverse("consent:policy_acknowledge", args=["2.0"])

    assert client.get(acknowledge).status_code == 405
    assert client.post(reverse("consent:policy_acknowledge", args=["1.1"])).status_code == 400
    assert client.post(reverse("consent:policy_acknowledge", args=["9.9"])).status_code == 404
    assert client.post("/privacy-policy/versions/acknowledge/").status_code == 404
    visitor = client_as("anonymous").post(acknowledge)
    assert visitor.status_code == 302
    assert "/accounts/login/" in visitor.url
    assert not PolicyAcknowledgement.objects.exists()
    with pytest.raises(ValidationError):
        policy_acknowledge(version=PolicyVersion.objects.get(version="1.1"), subject=customer)
    assert "I have read it" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_acknowledge_form_needs_its_csrf_token(customer, announced):
    from django.test import Client

    from tests.helpers import sign_in

    client = sign_in(Client(enforce_csrf_checks=True), customer)
    assert client.post(reverse("consent:policy_acknowledge", args=["2.0"])).status_code == 403
    assert not PolicyAcknowledgement.objects.exists()


# --- Whose day: the organisation's (apps/core/clock.py) ------------------------------------------

# 17:30 UTC on 31 December 2026 is already 00:30 on 1 January 2027 in Ho Chi Minh City.
NEW_YEAR_IN_HCMC = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
NEW_YEAR = date(2027, 1, 1)


@pytest.mark.django_db
def test_a_version_takes_effect_on_the_organisations_date_not_the_servers(settings):
    new = make_version("2027", effective_on=NEW_YEAR)
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
        assert policy_in_force() == new
        assert policy_version_state(new, in_force=new) == VersionState.IN_FORCE
        assert policy_upcoming() is None
        assert policy_version_is_locked(new)
        with pytest.raises(PermissionError), transaction.atomic():
            new.delete()

        settings.TIME_ZONE = "UTC"  # still 31 December there
        assert policy_in_force().version == "1.0"
        assert policy_version_state(new, in_force=policy_in_force()) == VersionState.UPCOMING
        assert policy_upcoming() == new
        assert not policy_version_is_locked(new)
        new.delete()


@pytest.mark.django_db
def test_the_notice_lead_time_counts_from_the_organisations_date(settings):
    version = make_version("2027", effective_on=date(2027, 1, 15))  # 15 days after 31 December, 14 after 1 January
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
        with pytest.raises(ValidationError, match="2027-01-16"):
            policy_notice_schedule(version=version, actor=ACTOR)
        settings.TIME_ZONE = "UTC"
        assert policy_notice_schedule(version=version, actor=ACTOR).policy_version == version


@pytest.mark.django_db
def test_the_banner_window_and_its_cache_follow_the_organisations_date(settings, customer):
    with time_machine.travel(datetime(2026, 9, 1, 9, 0, tzinfo=UTC), tick=False):
        old = make_version("1.5", effective_on=date(2026, 10, 2))  # its 90 days end on 31 December
        policy_notice_schedule(version=old, actor=ACTOR)
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        settings.TIME_ZONE = "UTC"
        assert policy_banner_for(customer) == old
        settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
        assert policy_banner_for(customer) is None  # and "nothing announced" is cached for 1 January
        new = make_version("2.0", effective_on=date(2027, 1, 20))
        policy_notice_schedule(version=new, actor=ACTOR)  # must forget the cache of the organisation's day
        assert policy_banner_for(customer) == new


@pytest.mark.django_db
def test_the_policy_admin_shows_what_is_in_force_on_the_organisations_date(client_as, settings):
    make_version("2027", effective_on=NEW_YEAR)
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        client = client_as("officer")
        for zone, states, upcoming in (
            ("Asia/Ho_Chi_Minh", {"2027": "In force", "1.0": "Replaced"}, []),
            ("UTC", {"2027": "Takes effect on 2027-01-01", "1.0": "In force"}, ["2027"]),
        ):
            settings.TIME_ZONE = zone
            listing = client.get(reverse(CHANGELIST)).context["cl"]
            assert {v.version: listing.model_admin.state_display(v) for v in listing.result_list} == states
            filtered = client.get(reverse(CHANGELIST), {"state": "upcoming"}).context["cl"].result_list
            assert [v.version for v in filtered] == upcoming
