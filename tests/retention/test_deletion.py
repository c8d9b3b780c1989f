"""Account deletion (P-32): the request, the grace period, cancelling by signing in, the erasure."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from apps.accounts.models import LoginEvent, User
from apps.consent.mailing.send import mailing_send
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.selectors.ledger import may_contact
from apps.consent.selectors.marketing import campaign_audience
from apps.consent.services.ledger import Context, consent_record
from apps.consent.services.marketing import campaign_create, campaign_send
from apps.personal_data.models import ErasureRun
from apps.retention.models import AccountDeletion, PurgeRun
from apps.retention.purge import purge
from apps.retention.selectors.deletion import scheduled_deletion_of
from apps.retention.services import deletion as deletion_module
from apps.retention.services.deletion import account_deletion_cancel, account_deletion_request
from tests.factories import TEST_PASSWORD, LoginEventFactory
from tests.helpers import reauthenticate, sign_in

pytestmark = pytest.mark.django_db

PAGE = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")


@pytest.fixture
def sent_languages(monkeypatch) -> list[tuple[str, str]]:
    """(template, language) of each email the deletion service renders."""
    sent: list[tuple[str, str]] = []
    original = deletion_module.send_templated_mail

    def spy(template, context, *, to, language, time_zone=""):
        sent.append((template.rsplit("/", 1)[-1], language))
        return original(template, context, to=to, language=language, time_zone=time_zone)

    monkeypatch.setattr(deletion_module, "send_templated_mail", spy)
    return sent


def request_deletion(user, capture) -> AccountDeletion:
    with capture(execute=True):
        return account_deletion_request(user=user, actor=user)


def sign_in_with_password(client: Client, user, capture):
    with capture(execute=True):
        return client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}, follow=True)


def run_purge() -> PurgeRun:
    run = purge(triggered_by="command")
    assert run.status == PurgeRun.Status.COMPLETED, run.errors()
    return run


# --- The services --------------------------------------------------------------------------------


def test_a_request_closes_the_account_for_use_and_schedules_its_erasure(customer, django_capture_on_commit_callbacks):
    deletion = request_deletion(customer, django_capture_on_commit_callbacks)
    customer.refresh_from_db()
    assert (customer.status, customer.is_active) == (User.Status.CLOSED, True)
    assert customer.closed_at is not None
    assert deletion.erase_after == customer.closed_at + timedelta(days=14)
    assert (deletion.notify_email, deletion.language) == ("customer@example.test", "en")
    assert deletion.history.first().history_user == customer
    assert scheduled_deletion_of(customer) == deletion
    # Asking twice returns the same deletion and sends nothing more.
    assert account_deletion_request(user=customer, actor=customer) == deletion
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    # The customer's zone (the factory's country, GB) and the English format.
    assert formats.date_format(deletion.erase_after.astimezone(ZoneInfo("Europe/London")), "DATETIME_FORMAT") in body
    assert "/accounts/login/" in body


def test_cancelling_reopens_the_account(customer, django_capture_on_commit_callbacks):
    deletion = request_deletion(customer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = account_deletion_cancel(user=customer, actor=customer, reason="tests")
    assert cancelled == deletion
    deletion.refresh_from_db()
    customer.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.CANCELLED
    assert deletion.cancelled_at is not None
    assert (customer.status, customer.closed_at) == (User.Status.ACTIVE, None)
    assert mail.outbox[-1].subject == "[Privacy Portal] Your account will not be deleted"
    assert account_deletion_cancel(user=customer, actor=customer, reason="again") is None


def test_accounts_in_their_grace_period_get_no_marketing(customer, other_customer, django_capture_on_commit_callbacks):
    newsletter = Purpose.objects.get(code="marketing-email")
    for user in (customer, other_customer):
        consent_record(purpose=newsletter, granted=True, context=PAGE, actor=user, subject=user)
    assert list(campaign_audience(newsletter)) == [customer, other_customer]
    request_deletion(customer, django_capture_on_commit_callbacks)
    customer.refresh_from_db()
    assert list(campaign_audience(newsletter)) == [other_customer]
    assert not may_contact(customer, channel="email", purpose=newsletter)
    # Signing in to cancel makes them reachable again, with the consent they had given.
    account_deletion_cancel(user=customer, actor=customer, reason="tests")
    assert list(campaign_audience(newsletter)) == [customer, other_customer]


def test_a_campaign_queued_before_the_request_skips_the_account(
    customer, other_customer, officer, django_capture_on_commit_callbacks
):
    newsletter = Purpose.objects.get(code="marketing-email")
    for user in (customer, other_customer):
        consent_record(purpose=newsletter, granted=True, context=PAGE, actor=user, subject=user)
    mailing = campaign_create(
        purpose=newsletter, actor=officer, subject_line="Spring offers", body="Twenty percent off."
    )
    mailing = campaign_send(mailing=mailing, actor=officer)  # queued; the worker is not told in this test
    assert mailing.audience_size == 2
    request_deletion(customer, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    mailing_send(mailing_id=mailing.pk)
    assert [message.to for message in mail.outbox] == [["other@example.test"]]


def test_a_closed_account_in_its_grace_period_can_still_sign_in(customer, django_capture_on_commit_callbacks):
    request_deletion(customer, django_capture_on_commit_callbacks)
    client = Client()
    response = sign_in_with_password(client, customer, django_capture_on_commit_callbacks)
    assert response.redirect_chain[-1][0] == reverse("accounts:overview")
    assert "Your account deletion was cancelled" in response.content.decode()
    customer.refresh_from_db()
    assert customer.status == User.Status.ACTIVE
    assert LoginEvent.objects.filter(user=customer, succeeded=True).count() == 1


def test_emails_go_in_the_customers_language(customer, sent_languages, django_capture_on_commit_callbacks):
    customer.preferred_language = "vi"
    customer.save()
    request_deletion(customer, django_capture_on_commit_callbacks)
    sign_in_with_password(Client(), customer, django_capture_on_commit_callbacks)
    request_deletion(customer, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        run_purge()
    assert sent_languages == [
        ("deletion_scheduled", "vi"),
        ("deletion_cancelled", "vi"),
        ("deletion_scheduled", "vi"),
        ("deletion_done", "vi"),
    ]
    assert len(mail.outbox) == 4
    assert all(message.to == ["customer@example.test"] for message in mail.outbox)


@pytest.mark.parametrize(
    ("language", "full_name", "preferred", "hello"),
    [
        ("en", "Casey Customer", "Cass", "Hello Cass,"),
        ("en", "Casey Customer", "", "Hello Casey,"),
        ("vi", "Nguyễn Văn Bảo", "", "Xin chào Bảo,"),
        ("en", "", "", "Hello,"),
        ("vi", "", "", "Xin chào,"),
    ],
)
def test_every_deletion_email_greets_them_by_the_name_they_are_called_by(
    customer, language, full_name, preferred, hello, django_capture_on_commit_callbacks
):
    """The last email too, although the erasure has removed the name by the time it is sent."""
    customer.preferred_language, customer.full_name, customer.preferred_name = language, full_name, preferred
    customer.save()
    request_deletion(customer, django_capture_on_commit_callbacks)
    sign_in_with_password(Client(), customer, django_capture_on_commit_callbacks)
    request_deletion(customer, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        run_purge()
    customer.refresh_from_db()
    assert (customer.full_name, customer.preferred_name) == ("", "")  # erased; the greeting was read before
    assert len(mail.outbox) == 4  # scheduled, cancelled, scheduled, done
    assert [m.body.splitlines()[0] for m in mail.outbox] == [hello] * 4


# --- From the button to the erasure ---------------------------------------------------------------


def test_a_deletion_is_erased_through_the_engine_once_the_grace_period_ends(
    customer, other_customer, django_capture_on_commit_callbacks
):
    LoginEventFactory.create_batch(3, user=customer)
    LoginEventFactory(user=other_customer)
    consent_record(
        purpose=Purpose.objects.get(code="marketing-email"),
        granted=True,
        context=PAGE,
        actor=customer,
        subject=customer,
    )
    client = reauthenticate(sign_in(Client(), customer))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/account/delete/", {"confirm": "on"})["Location"] == "/account/deleted/"
    deletion = AccountDeletion.objects.get(subject=customer)
    assert [m.subject for m in mail.outbox] == ["[Privacy Portal] Your account will be deleted"]

    # A day before the end of the grace period, nothing is erased.
    with time_machine.travel(deletion.erase_after - timedelta(days=1), tick=False):
        run_purge()
    deletion.refresh_from_db()
    customer.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.SCHEDULED
    assert customer.full_name == "Casey Customer"

    with (
        time_machine.travel(deletion.erase_after + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_purge()
    deletion.refresh_from_db()
    customer.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.DONE
    assert deletion.finished_at is not None
    assert deletion.notify_email == ""
    erasure = ErasureRun.objects.get(reference=deletion.erasure_reference)
    assert erasure.status == ErasureRun.Status.COMPLETED
    # The account row stays as an anchor for kept records, emptied and closed for good.
    assert "customer" not in customer.email
    assert (customer.full_name, customer.phone, customer.mailing_address) == ("", "", "")
    assert (customer.status, customer.is_active, customer.has_usable_password()) == (User.Status.CLOSED, False, False)
    assert not LoginEvent.objects.filter(user=customer).exists()
    assert LoginEvent.objects.filter(user=other_customer).count() == 1
    # Consent proof stays, by pseudonymous reference only.
    assert ConsentEvent.objects.filter(subject_reference=deletion.subject_reference, subject__isnull=True).exists()
    # The last email goes to the address the account had; then that address is gone too.
    done = mail.outbox[-1]
    assert done.subject == "[Privacy Portal] Your account has been deleted"
    assert done.to == ["customer@example.test"]
    assert str(deletion.reference) in done.body
    assert not User.objects.filter(email__iexact="customer@example.test").exists()

    # Too late to sign in now; and the next run does nothing more.
    response = Client().post(reverse("account_login"), {"login": "customer@example.test", "password": TEST_PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    count = len(mail.outbox)
    with time_machine.travel(deletion.erase_after + timedelta(days=1), tick=False):
        run_purge()
    assert len(mail.outbox) == count
    assert ErasureRun.objects.filter(subject_id=customer.pk, dry_run=False).count() == 1


def test_a_deletion_cancelled_by_signing_in_is_never_erased(customer, django_capture_on_commit_callbacks):
    deletion = request_deletion(customer, django_capture_on_commit_callbacks)
    with time_machine.travel(deletion.erase_after - timedelta(hours=1), tick=False):
        sign_in_with_password(Client(), customer, django_capture_on_commit_callbacks)
    with time_machine.travel(deletion.erase_after + timedelta(days=1), tick=False):
        run_purge()
    deletion.refresh_from_db()
    customer.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.CANCELLED
    assert (customer.status, customer.full_name) == (User.Status.ACTIVE, "Casey Customer")
    assert not ErasureRun.objects.filter(subject_id=customer.pk, dry_run=False).exists()
