"""Marketing email: the message and its one-click headers, campaigns through a real worker, the
preview command and the campaign admin."""

import re
import time
from email import message_from_string, policy

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.consent.domain.marketing import unsubscribe_token
from apps.consent.mailing.send import mailing_send
from apps.consent.models import ConsentEvent, Mailing, MailingDelivery, Purpose, Suppression
from apps.consent.selectors.marketing import campaign_audience
from apps.consent.services.ledger import Context, consent_record, restriction_place, suppression_add
from apps.consent.services.marketing import campaign_create, campaign_send, marketing_message
from apps.core.mail import mailbox_message_ids, mailbox_read
from apps.personal_data.domain import address_hash
from tests.factories import UserFactory

PAGE = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")
SITE = "http://127.0.0.1:8000"  # SITE_URL under the test settings
CHANGELIST = reverse("admin:consent_mailing_changelist")
ADD = reverse("admin:consent_mailing_add")


def purpose(code: str) -> Purpose:
    return Purpose.objects.get(code=code)


def opt_in(user, *codes: str) -> None:
    for code in codes:
        consent_record(purpose=purpose(code), granted=True, context=PAGE, actor=user, subject=user)


def campaign(officer, code: str = "marketing-email", **fields) -> Mailing:
    fields = {"subject_line": "Spring offers", "body": "Twenty percent off.\nOnly this week.", **fields}
    return campaign_create(purpose=purpose(code), actor=officer, **fields)


def unfolded(message, name: str) -> str:
    """A header as a reader sees it after unfolding (long headers are folded on the wire)."""
    parsed = message_from_string(message.message().as_string(), policy=policy.compat32)
    return re.sub(r"\r?\n[ \t]+", " ", parsed[name]).strip()


# --- The message --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_marketing_email_carries_exact_one_click_headers(customer, officer):
    message = marketing_message(campaign(officer), customer)
    token = unsubscribe_token(customer, purpose("marketing-email"))
    expected = f"<{SITE}/unsubscribe/{token}/>, <mailto:unsubscribe@portal.example?subject=unsubscribe-{token}>"
    assert message.extra_headers["List-Unsubscribe"] == expected
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unfolded(message, "List-Unsubscribe") == expected
    assert unfolded(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert unfolded(message, "Content-Language") == "en"
    assert reverse("consent:unsubscribe", args=[token]) == f"/unsubscribe/{token}/"


@pytest.mark.django_db
def test_the_body_shows_the_unsubscribe_link_in_text_and_html(customer, officer):
    message = marketing_message(campaign(officer), customer)
    link = f"{SITE}/unsubscribe/{unsubscribe_token(customer, purpose('marketing-email'))}/"
    assert (message.subject, message.to) == ("Spring offers", ["customer@example.test"])
    assert "Hello Casey," in message.body
    assert "Twenty percent off.\nOnly this week." in message.body
    assert link in message.body
    assert f"{SITE}/account/privacy-choices/" in message.body
    assert 'you chose "Offers by email"' in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'<a href="{link}">Unsubscribe</a>' in html
    assert "<p>Twenty percent off.<br>Only this week.</p>" in html


@pytest.mark.django_db
def test_the_message_is_in_the_customers_preferred_language(officer):
    reader = UserFactory(email="doc@example.test", preferred_language="vi")
    message = marketing_message(campaign(officer), reader)
    assert unfolded(message, "Content-Language") == "vi"
    assert "Ưu đãi qua email" in message.body  # the purpose's own Vietnamese name
    assert '<html lang="vi">' in message.alternatives[0][0]


@pytest.mark.django_db
def test_administrative_mail_has_no_unsubscribe_header(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.test", "password1": "a-new-long-password-1", "password2": "a-new-long-password-1"},
    )
    assert response.status_code == 302
    [verification] = mail.outbox
    assert "new@example.test" in verification.to
    assert "/accounts/confirm-email/" in verification.body
    headers = verification.message()
    assert headers["List-Unsubscribe"] is None
    assert headers["List-Unsubscribe-Post"] is None
    assert not any(name.lower().startswith("list-") for name in verification.extra_headers)


@pytest.mark.django_db
def test_ticking_the_newsletter_at_sign_up_puts_the_new_customer_in_its_audience(client):
    # The unticked boxes beside it are recorded as proof; they are not withdrawals.
    response = client.post(
        reverse("account_signup"),
        {
            "email": "reader@example.test",
            "password1": "a-new-long-password-1",
            "password2": "a-new-long-password-1",
            "consent_newsletter": "on",
        },
    )
    assert response.status_code == 302
    reader = User.objects.get(email="reader@example.test")
    assert not Suppression.objects.filter(address_hash=address_hash(reader.email)).exists()
    assert list(campaign_audience(purpose("newsletter"))) == [reader]


# --- A campaign through a real worker -----------------------------------------------------------


@pytest.fixture
def mailbox_worker(transactional_db, monkeypatch, request):
    """A real worker whose mail lands in the local mailbox, where this process can read it.

    It asks for transactional_db itself: the worker must see committed data, and the personas'
    ``db`` must not wrap the test in a transaction.
    """
    monkeypatch.setenv("EMAIL_BACKEND", "apps.core.mail.MailboxBackend")
    return request.getfixturevalue("celery_worker_process")


def wait_until_sent(mailing: Mailing, timeout: float = 60) -> Mailing:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mailing.refresh_from_db()
        if mailing.status in (Mailing.Status.SENT, Mailing.Status.FAILED):
            return mailing
        time.sleep(0.05)
    raise AssertionError(f"the campaign is still {mailing.status}")


@pytest.mark.worker
def test_a_campaign_reaches_exactly_the_consenting_unrestricted_unsuppressed_customers_once(
    mailbox_worker, customer, other_customer, officer
):
    restricted, suppressed, unsubscribed, closed = (
        UserFactory(email=f"{name}@example.test") for name in ("restricted", "suppressed", "unsubscribed", "closed")
    )
    UserFactory(email="silent@example.test")  # never consented
    for user in (customer, other_customer, restricted, suppressed, unsubscribed, closed):
        opt_in(user, "marketing-email")
    restriction_place(subject=restricted, reason="Accuracy contested", actor=officer)
    suppression_add(email=suppressed.email, channel="email", reason=Suppression.Reason.OFFICER)
    response = Client(enforce_csrf_checks=True).post(
        reverse("consent:unsubscribe", args=[unsubscribe_token(unsubscribed, purpose("marketing-email"))]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    User.objects.filter(pk=closed.pk).update(is_active=False)
    before = set(mailbox_message_ids())

    mailing = campaign(officer)
    mailing = campaign_send(mailing=mailing, actor=officer)
    assert mailing.audience_size == 2
    mailing = wait_until_sent(mailing)
    assert (mailing.status, mailing.sent_count, mailing.audience_size) == ("sent", 2, 2)
    # Asked to send again (a redelivered task), the worker sends nobody a second copy.
    mailing_send(mailing_id=mailing.pk)

    received = [mailbox_read(i) for i in sorted(set(mailbox_message_ids()) - before)]
    assert sorted(m["To"] for m in received) == ["customer@example.test", "other@example.test"]
    for message in received:
        assert message["Subject"] == "Spring offers"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/unsubscribe/" in message["List-Unsubscribe"]
    assert set(MailingDelivery.objects.filter(mailing=mailing).values_list("subject__email", flat=True)) == {
        "customer@example.test",
        "other@example.test",
    }


# --- The preview command ------------------------------------------------------------------------


def preview(*args: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("marketing_email_preview", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_preview_prints_the_whole_message_of_a_contactable_customer(customer):
    opt_in(customer, "newsletter")
    out, err = preview("Customer@Example.test", "--purpose", "newsletter")
    token = unsubscribe_token(customer, purpose("newsletter"))
    assert "Subject: Newsletter" in out
    assert "To: customer@example.test" in out
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in out
    assert f"{SITE}/unsubscribe/{token}/" in out
    assert f"unsubscribe-{token}" in out
    assert "Content-Type: text/plain" in out
    assert "Content-Type: text/html" in out
    assert "This is where the campaign's own message goes." in out
    assert err == ""
    assert not ConsentEvent.objects.filter(subject=customer, granted=False).exists()  # nothing recorded
    assert mail.outbox == []  # nothing sent


@pytest.mark.django_db
def test_the_preview_of_someone_we_may_not_contact_says_so_and_why(customer, officer):
    out, err = preview("customer@example.test")
    assert "Subject: Offers by email" in out
    assert err.strip() == (
        "NOT SENT: customer@example.test would not receive this email: they have not consented to this purpose."
    )
    opt_in(customer, "marketing-email")
    restriction_place(subject=customer, reason="Objection pending", actor=officer)
    assert "processing of their data is restricted" in preview("customer@example.test")[1]
    suppression_add(email=customer.email, channel="email", reason=Suppression.Reason.OBJECTION)
    assert "suppression list" in preview("customer@example.test")[1]


@pytest.mark.django_db
def test_the_preview_of_a_campaign_uses_its_own_text(customer, officer):
    mailing = campaign(officer, "newsletter", subject_line="Our May letter")
    out, _err = preview("customer@example.test", "--campaign", str(mailing.reference))
    assert "Subject: Our May letter" in out
    assert "Twenty percent off." in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody@example.test",), "No account has the email address 'nobody@example.test'."),
        (("customer@example.test", "--purpose", "no-such-thing"), "No purpose has the code 'no-such-thing'."),
        (("customer@example.test", "--purpose", "statistics"), "is not email marketing"),
        (("customer@example.test", "--purpose", "marketing-post"), "is not email marketing"),
        (("customer@example.test", "--campaign", "not-a-uuid"), "is not a campaign reference"),
        (("customer@example.test", "--campaign", "6f1c1a57-0000-4000-8000-000000000000"), "No marketing campaign"),
    ],
)
def test_the_preview_refuses_unknown_addresses_and_purposes_clearly(customer, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        preview(*args)


# --- The campaign admin -------------------------------------------------------------------------


def change_url(mailing: Mailing) -> str:
    return reverse("admin:consent_mailing_change", args=[mailing.pk])


def send_url(mailing: Mailing) -> str:
    return reverse("admin:consent_mailing_send", args=[mailing.pk])


@pytest.mark.django_db
def test_an_officer_drafts_checks_and_sends_a_campaign(client_as, officer, customer, other_customer):
    opt_in(customer, "newsletter")
    opt_in(other_customer, "newsletter")
    client = client_as("officer")
    form = client.get(ADD).content.decode()
    offered = set(re.findall(r'<option value="(\d+)"', form))
    assert offered == {str(p.pk) for p in Purpose.objects.filter(code__in=["marketing-email", "newsletter", "surveys"])}

    response = client.post(ADD, {"purpose": purpose("newsletter").pk, "subject_line": "May news", "body": "Hello."})
    assert response.status_code == 302
    mailing = Mailing.objects.get()
    assert (mailing.kind, mailing.status, mailing.created_by) == ("marketing", "draft", officer)
    assert mailing.history.latest().history_user == officer

    page = client.get(change_url(mailing)).content.decode()
    assert "Audience now: 2 people would receive it." in page
    assert send_url(mailing) in page
    confirm = client.get(send_url(mailing)).content.decode()
    assert "Send to 2 people?" in confirm
    assert Mailing.objects.get().status == "draft"  # asking is not sending

    response = client.post(send_url(mailing))
    assert response.status_code == 302
    assert response["Location"] == change_url(mailing)
    mailing.refresh_from_db()
    assert (mailing.status, mailing.audience_size, mailing.sent_count) == ("queued", 2, 0)
    page = client.get(change_url(mailing)).content.decode()
    assert "0 of 2 sent (0%)" in page
    assert 'http-equiv="refresh"' in page
    assert send_url(mailing) not in page
    # Once queued it can be neither changed nor sent again.
    assert client.post(change_url(mailing), {"subject_line": "Changed", "body": "x"}).status_code == 403
    client.post(send_url(mailing))
    mailing.refresh_from_db()
    assert (mailing.status, mailing.subject_line) == ("queued", "May news")


@pytest.mark.django_db
def test_a_campaign_is_only_for_an_active_email_marketing_purpose(client_as):
    client = client_as("officer")
    Purpose.objects.filter(code="surveys").update(is_active=False)
    for code in ("marketing-post", "statistics", "surveys"):
        response = client.post(ADD, {"purpose": purpose(code).pk, "subject_line": "x", "body": "y"})
        assert response.status_code == 200, code
        assert "Select a valid choice" in response.content.decode()
    assert not Mailing.objects.exists()


@pytest.mark.django_db
def test_a_draft_can_be_changed_and_sending_to_nobody_is_not_offered(client_as, officer):
    mailing = campaign(officer)
    client = client_as("officer")
    response = client.post(
        change_url(mailing), {"purpose": purpose("surveys").pk, "subject_line": "Tell us", "body": "Two questions."}
    )
    assert response.status_code == 302
    mailing.refresh_from_db()
    assert (mailing.purpose.code, mailing.subject_line) == ("surveys", "Tell us")
    confirm = client.get(send_url(mailing)).content.decode()
    assert "Nobody may receive this campaign now" in confirm
    assert "Yes, send" not in confirm


@pytest.mark.django_db
def test_staff_without_the_officer_role_cannot_create_or_send(client_as, officer, customer):
    opt_in(customer, "marketing-email")
    mailing = campaign(officer)
    auditor = client_as("auditor")
    assert auditor.get(CHANGELIST).status_code == 200
    page = auditor.get(change_url(mailing))
    assert page.status_code == 200
    assert send_url(mailing) not in page.content.decode()
    assert auditor.get(ADD).status_code == 403
    assert auditor.get(send_url(mailing)).status_code == 403
    assert auditor.post(send_url(mailing)).status_code == 403
    support = client_as("support_agent")
    for url in (CHANGELIST, ADD, change_url(mailing), send_url(mailing)):
        assert support.get(url).status_code == 403, url
    customer_client = client_as("customer")
    assert customer_client.get(CHANGELIST).status_code == 302
    assert customer_client.post(send_url(mailing)).status_code == 302
    mailing.refresh_from_db()
    assert mailing.status == "draft"


@pytest.mark.django_db
def test_a_policy_notice_is_shown_read_only_and_cannot_be_sent_from_here(client_as, officer):
    from apps.consent.models import PolicyVersion

    notice = Mailing.objects.create(
        kind=Mailing.Kind.POLICY_NOTICE,
        policy_version=PolicyVersion.objects.get(version="1.0"),
        subject_line="Our privacy policy changes",
        body="…",
    )
    client = client_as("officer")
    page = client.get(change_url(notice)).content.decode()
    assert "Our privacy policy changes" in page
    assert send_url(notice) not in page
    client.post(send_url(notice))
    notice.refresh_from_db()
    assert notice.status == "draft"


@pytest.mark.django_db
def test_the_campaign_list_filters_searches_and_keeps_its_query_count(client_as, officer):
    client = client_as("officer")
    campaign(officer, subject_line="Spring offers")
    campaign(officer, "newsletter", subject_line="May newsletter")

    def load(query: str = "") -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CHANGELIST + query)
        assert response.status_code == 200
        return response.content.decode(), len(queries)

    page, _ = load()  # the first load also fills caches
    assert "Spring offers" in page
    assert "May newsletter" in page
    _page, few = load()
    page, _ = load("?q=newsletter")
    assert "May newsletter" in page
    assert "Spring offers" not in page
    page, _ = load(f"?purpose__id__exact={purpose('marketing-email').pk}&status__exact=draft")
    assert "Spring offers" in page
    assert "May newsletter" not in page
    for number in range(5):
        campaign(officer, subject_line=f"Extra {number}")
    _page, many = load()
    assert many == few
