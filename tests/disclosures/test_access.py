"""Staff access to customer content (P-24) and the audit of staff looks (P-25)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Artist, ArtistFollow, Follow
from apps.disclosures.domain import LEGAL_ACCESS_DURATION, SUPPORT_ACCESS_DURATION
from apps.disclosures.models import ContentAccessGrant, StaffAccessEvent
from apps.disclosures.selectors.access import content_access_active
from apps.disclosures.services.access import (
    content_access_decide,
    content_access_request,
    content_access_revoke,
    staff_access_log,
)
from tests.disclosures.test_records_export import build
from tests.factories import PublicProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

CUSTOMER_PAGE = reverse("disclosures_access:customer")
GAG = "Order 12/2026 forbids telling the customer"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def content_url(user) -> str:
    return reverse("admin:disclosures_staff_content", kwargs={"reference": user.reference})


def decide_url(grant) -> str:
    return reverse("disclosures_access:customer_decide", kwargs={"reference": grant.reference})


@pytest.fixture
def agent(support_agent):
    support_agent.full_name = "Sam Support"
    support_agent.save(update_fields=["full_name"])
    return support_agent


@pytest.fixture
def content(customer, other_customer):
    """Something to see: a public profile, a followed artist, a follower."""
    PublicProfileFactory(user=customer, handle="casey", show_display_name=True)
    ArtistFollow.objects.create(user=customer, artist=Artist.objects.create(name="The Quiet Lanterns"))
    Follow.objects.create(follower=other_customer, followed=customer)
    return customer


def ask(client, customer, **data):
    fields = {"purpose": "support", "reason": "Your playlist will not load", "ticket_reference": "T-1001"}
    fields.update(data)
    return client.post(content_url(customer), fields)


# --- Support: the customer decides --------------------------------------------------------


def test_it_lets_a_customer_approve_a_support_request_and_ends_it_at_expiry(
    client_as, agent, customer, other_customer, content, django_capture_on_commit_callbacks
):
    staff_client = client_as("support_agent")

    response = staff_client.get(content_url(customer))
    assert response.status_code == 403
    assert b"The Quiet Lanterns" not in response.content
    assert b"Request access" in response.content

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(staff_client, customer)
    assert response.status_code == 302
    grant = ContentAccessGrant.objects.get()
    assert (grant.status, grant.staff, grant.customer) == ("requested", agent, customer)
    assert staff_client.get(content_url(customer)).status_code == 403  # still waiting
    # The customer hears of the request, by email, from a named person (never their email).
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert "Sam Support" in mail.outbox[0].body
    assert agent.email not in mail.outbox[0].body
    assert "unsubscribe" not in mail.outbox[0].body.lower()

    customer_client = client_as("customer")
    page = customer_client.get(CUSTOMER_PAGE)
    assert page.status_code == 200
    assert b"Sam Support" in page.content
    assert b"Your playlist will not load" in page.content
    assert b"T-1001" in page.content
    assert agent.email.encode() not in page.content
    assert b'value="approve"' in page.content

    # Another customer neither sees it nor can decide it.
    other_client = client_as("other_customer")
    assert b"Your playlist will not load" not in other_client.get(CUSTOMER_PAGE).content
    assert other_client.post(decide_url(grant), {"decision": "approve"}).status_code == 404
    grant.refresh_from_db()
    assert grant.status == "requested"

    assert customer_client.post(decide_url(grant), {"decision": "approve"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "approved"
    assert grant.expires_at == grant.decided_at + SUPPORT_ACCESS_DURATION

    response = staff_client.get(content_url(customer))
    assert response.status_code == 200
    assert b"The Quiet Lanterns" in response.content
    assert b"casey" in response.content
    event = StaffAccessEvent.objects.get(kind="content_view")
    assert (event.staff, event.customer, event.grant) == (agent, customer, grant)

    # The customer sees the look, by the staff member's name.
    page = customer_client.get(CUSTOMER_PAGE)
    assert b"Opened the customer" in page.content

    with time_machine.travel(timezone.now() + SUPPORT_ACCESS_DURATION + timedelta(minutes=1)):
        # The staff session has ended by now too (STAFF_SESSION_IDLE_TIMEOUT): a new one.
        staff_client = client_as("support_agent")
        response = staff_client.get(content_url(customer))
        assert response.status_code == 403
        assert b"The Quiet Lanterns" not in response.content
        assert content_access_active(staff=agent, customer=customer) is None
        assert b"Expired" in customer_client.get(CUSTOMER_PAGE).content
    assert StaffAccessEvent.objects.filter(kind="content_view").count() == 1


def test_it_gives_no_access_when_the_customer_denies(client_as, agent, customer, content):
    staff_client = client_as("support_agent")
    ask(staff_client, customer)
    grant = ContentAccessGrant.objects.get()
    customer_client = client_as("customer")
    assert customer_client.post(decide_url(grant), {"decision": "deny"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "denied"
    response = staff_client.get(content_url(customer))
    assert response.status_code == 403
    assert b"The Quiet Lanterns" not in response.content
    assert not StaffAccessEvent.objects.filter(kind="content_view").exists()
    # A second decision is refused with a message, not a crash, and changes nothing.
    response = customer_client.post(decide_url(grant), {"decision": "approve"}, follow=True)
    assert response.status_code == 200
    assert b"already been decided" in response.content
    grant.refresh_from_db()
    assert grant.status == "denied"


def test_it_lets_the_customer_end_open_access(client_as, agent, customer, content):
    grant = content_access_request(staff=agent, customer=customer, purpose="support", reason="Sync broken")
    content_access_decide(grant=grant, customer=customer, approve=True)
    staff_client = client_as("support_agent")
    assert staff_client.get(content_url(customer)).status_code == 200
    assert client_as("customer").post(decide_url(grant), {"decision": "revoke"}).status_code == 302
    assert staff_client.get(content_url(customer)).status_code == 403


def test_it_lets_staff_end_their_own_access(client_as, agent, customer):
    grant = content_access_request(staff=agent, customer=customer, purpose="support", reason="Sync broken")
    content_access_decide(grant=grant, customer=customer, approve=True)
    staff_client = client_as("support_agent")
    end = reverse("admin:disclosures_staff_end", kwargs={"reference": customer.reference})
    assert staff_client.post(end).status_code == 302
    grant.refresh_from_db()
    assert grant.status == "revoked"
    assert content_access_active(staff=agent, customer=customer) is None


def test_it_keeps_decisions_to_the_grants_own_customer(agent, customer, other_customer):
    grant = content_access_request(staff=agent, customer=customer, purpose="support", reason="Sync broken")
    with pytest.raises(PermissionDenied):
        content_access_decide(grant=grant, customer=other_customer, approve=True)
    with pytest.raises(PermissionDenied):
        content_access_revoke(grant=grant, actor=other_customer)
    content_access_decide(grant=grant, customer=customer, approve=False)
    with pytest.raises(ValidationError):
        content_access_decide(grant=grant, customer=customer, approve=True)


def test_it_refuses_a_second_open_request_for_the_same_customer(client_as, agent, customer):
    staff_client = client_as("support_agent")
    assert ask(staff_client, customer).status_code == 302
    response = ask(staff_client, customer)
    assert response.status_code == 400
    assert b"already have a request waiting" in response.content
    assert ContentAccessGrant.objects.count() == 1


# --- Legal process: at once, the customer told afterwards ----------------------------------


def test_it_opens_access_at_once_for_a_legal_process_and_tells_the_customer(
    client_as, officer, customer, content, django_capture_on_commit_callbacks
):
    officer_client = client_as("officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(officer_client, customer, purpose="legal", reason="Court order", ticket_reference="CO-77")
    assert response.status_code == 302
    grant = ContentAccessGrant.objects.get()
    assert grant.status == "approved"
    assert grant.expires_at == grant.decided_at + LEGAL_ACCESS_DURATION
    assert officer_client.get(content_url(customer)).status_code == 200
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert "legal process" in mail.outbox[0].subject
    assert "CO-77" in mail.outbox[0].body
    grant.refresh_from_db()
    assert grant.customer_notified_at is not None
    assert b"Court order" in client_as("customer").get(CUSTOMER_PAGE).content


def test_it_withholds_the_notice_when_a_reason_is_given(
    client_as, officer, customer, content, django_capture_on_commit_callbacks
):
    officer_client = client_as("officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(
            officer_client,
            customer,
            purpose="legal",
            reason="Police investigation",
            ticket_reference="W-9",
            withhold_notification_reason="The warrant forbids telling the subject",
        )
    assert response.status_code == 302
    assert officer_client.get(content_url(customer)).status_code == 200
    assert mail.outbox == []
    grant = ContentAccessGrant.objects.get()
    assert grant.customer_notified_at is None
    # Nor does Your Account give it away: neither the grant nor the looks made under it.
    page = client_as("customer").get(CUSTOMER_PAGE)
    assert b"Police investigation" not in page.content
    assert b"No member of staff has looked at your account." in page.content
    assert client_as("customer").post(decide_url(grant), {"decision": "revoke"}).status_code == 404
    assert StaffAccessEvent.objects.filter(grant=grant).count() == 1


def test_it_keeps_legal_access_to_privacy_officers(client_as, agent, customer):
    response = ask(client_as("support_agent"), customer, purpose="legal", ticket_reference="CO-1")
    assert response.status_code == 400
    assert b"Only a privacy officer" in response.content
    assert not ContentAccessGrant.objects.exists()


def test_it_emails_in_the_customers_language(officer, customer, django_capture_on_commit_callbacks):
    customer.preferred_language = "vi"
    customer.save(update_fields=["preferred_language"])
    seen = {}

    from django.utils import translation

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        content_access_request(
            staff=officer, customer=customer, purpose="legal", reason="Court order", ticket_reference="CO-1"
        )
    real_override = translation.override

    class Spy(real_override):
        def __enter__(self):
            seen["language"] = self.language
            return super().__enter__()

    translation.override = Spy
    try:
        for callback in callbacks:
            callback()
    finally:
        translation.override = real_override
    assert seen["language"] == "vi"
    assert len(mail.outbox) == 1


# --- The admin: record views logged, auditors read them ------------------------------------


def test_it_logs_record_views_in_the_admin_for_auditors(client_as, agent, customer):
    staff_client = client_as("support_agent")
    change = reverse("admin:accounts_user_change", args=[customer.pk])
    response = staff_client.get(change)
    assert response.status_code == 200
    assert content_url(customer).encode() in response.content  # "Request access to content…"
    # Their own record is not a look at a customer.
    assert staff_client.get(reverse("admin:accounts_user_change", args=[agent.pk])).status_code == 200
    event = StaffAccessEvent.objects.get()
    assert (event.kind, event.staff, event.customer, event.path) == ("record_view", agent, customer, change)

    auditor_client = client_as("auditor")
    events = reverse("admin:disclosures_staffaccessevent_changelist")
    response = auditor_client.get(events)
    assert response.status_code == 200
    assert b"Viewed the customer record in the admin" in response.content
    assert auditor_client.get(events, {"kind__exact": "record_view"}).status_code == 200
    assert auditor_client.get(events, {"staff__id__exact": agent.pk}).status_code == 200
    assert auditor_client.get(reverse("admin:disclosures_contentaccessgrant_changelist")).status_code == 200
    # Read-only, and the auditor cannot open customers' content.
    assert auditor_client.get(reverse("admin:disclosures_staffaccessevent_change", args=[event.pk])).status_code == 200
    assert auditor_client.post(reverse("admin:disclosures_staffaccessevent_delete", args=[event.pk])).status_code == 403
    assert auditor_client.get(content_url(customer)).status_code == 403
    # The customer sees the look too.
    assert b"Sam Support" in client_as("customer").get(CUSTOMER_PAGE).content


def test_it_shows_auditors_who_looked_and_under_which_grant_but_not_which_customer(client_as, agent, customer):
    grant = content_access_request(staff=agent, customer=customer, purpose="support", reason="Sync broken")
    client_as("support_agent").get(reverse("admin:accounts_user_change", args=[customer.pk]))
    auditor = client_as("auditor")

    for name, obj in (("staffaccessevent", StaffAccessEvent.objects.get()), ("contentaccessgrant", grant)):
        for url in (
            reverse(f"admin:disclosures_{name}_changelist"),
            reverse(f"admin:disclosures_{name}_change", args=[obj.pk]),
        ):
            page = auditor.get(url).content.decode()
            assert agent.email in page  # who looked is what the audit is for
            assert customer.email not in page
        # Nor can the customer be found, or filtered on, by address or account.
        changelist = reverse(f"admin:disclosures_{name}_changelist")
        assert auditor.get(changelist, {"q": customer.email}).context["cl"].result_count == 0
        assert auditor.get(changelist, {"customer__email": customer.email}).status_code == 400
        assert auditor.get(changelist, {"customer": customer.pk}).status_code == 400
    # Officers still see the customer.
    officer_page = client_as("officer").get(reverse("admin:disclosures_staffaccessevent_changelist"))
    assert customer.email in officer_page.content.decode()


def test_it_lists_grants_for_support_agents_filtered(client_as, agent, customer):
    content_access_request(staff=agent, customer=customer, purpose="support", reason="Sync broken")
    staff_client = client_as("support_agent")
    url = reverse("admin:disclosures_contentaccessgrant_changelist")
    for query in ({}, {"status__exact": "requested"}, {"purpose__exact": "support"}):
        assert staff_client.get(url, query).status_code == 200
    assert staff_client.get(reverse("admin:disclosures_contentaccessgrant_add")).status_code == 403


# --- Who may reach the staff page; bad input ------------------------------------------------


@pytest.mark.parametrize("persona", ["anonymous", "customer"])
def test_it_keeps_non_staff_off_the_staff_page(client_as, persona, customer, other_customer, content):
    client = client_as(persona)
    response = client.get(content_url(other_customer), follow=True)
    assert response.status_code in (200, 403)
    assert b"The Quiet Lanterns" not in response.content
    assert response.redirect_chain or response.status_code == 403
    assert client.post(content_url(customer), {"purpose": "support", "reason": "x"}).status_code in (302, 403)
    assert not ContentAccessGrant.objects.exists()


def test_it_answers_bad_input_with_4xx(client_as, agent, customer):
    staff_client = client_as("support_agent")
    unknown = reverse("admin:disclosures_staff_content", kwargs={"reference": uuid.uuid4()})
    assert staff_client.get(unknown).status_code == 404
    assert staff_client.get("/admin/customer-content/not-a-uuid/").status_code == 404
    response = ask(staff_client, customer, reason="  ")
    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert ask(staff_client, customer, purpose="gossip").status_code == 400
    assert ask(staff_client, customer, withhold_notification_reason="secret").status_code == 400
    assert not ContentAccessGrant.objects.exists()

    customer_client = client_as("customer")
    grant = content_access_request(staff=agent, customer=customer, purpose="support", reason="Sync broken")
    assert customer_client.post(decide_url(grant), {"decision": "maybe"}).status_code == 400
    assert customer_client.get(decide_url(grant)).status_code == 405
    assert customer_client.post(f"{CUSTOMER_PAGE}not-a-uuid/", {"decision": "approve"}).status_code == 404
    assert customer_client.get(CUSTOMER_PAGE, {"page": "x"}).status_code == 200
    grant.refresh_from_db()
    assert grant.status == "requested"


def test_it_serves_the_picture_only_under_a_grant(client_as, agent, customer):
    customer.profile_picture.save("me.png", ContentFile(PNG), save=True)
    staff_client = client_as("support_agent")
    picture = reverse("admin:disclosures_staff_picture", kwargs={"reference": customer.reference})
    assert staff_client.get(picture).status_code == 403
    grant = content_access_request(staff=agent, customer=customer, purpose="support", reason="Avatar broken")
    content_access_decide(grant=grant, customer=customer, approve=True)
    response = staff_client.get(content_url(customer))
    assert picture.encode() in response.content
    response = staff_client.get(picture)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert StaffAccessEvent.objects.filter(kind="content_view", path=picture).count() == 1
    assert client_as("other_customer").get(picture).status_code in (302, 403)


def test_it_shows_the_staff_access_page_in_your_account(client_as, customer):
    assert client_as("anonymous").get(CUSTOMER_PAGE).status_code == 302
    response = client_as("customer").get(CUSTOMER_PAGE)
    assert response.status_code == 200
    assert b"Staff access" in response.content
    assert CUSTOMER_PAGE.encode() in response.content  # the navigation item


def test_it_lists_a_customers_page_in_a_constant_number_of_queries(client_as, agent, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_looks(count: int) -> None:
        for n in range(count):
            staff = UserFactory(is_staff=True)
            grant = ContentAccessGrant.objects.create(
                customer=customer, staff=staff, purpose="support", reason=f"Issue {n}"
            )
            StaffAccessEvent.objects.create(staff=staff, customer=customer, kind="record_view", path=f"/admin/{n}/")
            StaffAccessEvent.objects.create(staff=staff, customer=customer, kind="content_view", grant=grant)

    client = client_as("customer")
    client.get(CUSTOMER_PAGE)  # the first request of a session records it (allauth usersessions)
    add_looks(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CUSTOMER_PAGE).status_code == 200
    add_looks(8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(CUSTOMER_PAGE).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 12


# --- Covert processes: no tip-off through the customer's Staff access page ----------------------


def test_record_views_during_a_covert_process_stay_hidden_from_the_customer(client_as, officer, agent, customer):
    from apps.disclosures.models import Recipient
    from apps.disclosures.selectors.access import staff_access_events_for_customer
    from apps.disclosures.services.compelled import compelled_request_receive
    from tests.disclosures.factories import RecipientFactory

    def look(at) -> StaffAccessEvent:
        return StaffAccessEvent.objects.create(staff=officer, customer=customer, kind="record_view", occurred_at=at)

    def seen() -> list[int]:
        return [event.pk for event in staff_access_events_for_customer(customer=customer)]

    start = timezone.now()
    before = look(start - timedelta(days=10))
    with time_machine.travel(start - timedelta(days=5)):
        legal = content_access_request(
            staff=officer,
            customer=customer,
            purpose="legal",
            reason="Police investigation",
            ticket_reference="PO-8",
            withhold_notification_reason="The production order forbids telling the customer",
        )
    during_grant = look(start - timedelta(days=5) + LEGAL_ACCESS_DURATION / 2)
    between = look(start - timedelta(days=3))
    assert legal.expires_at < between.occurred_at
    assert seen() == [between.pk, before.pk]

    court = RecipientFactory(category=Recipient.Category.COURT, agreement="none", agreement_reference="")
    compelled_request_receive(
        actor=officer,
        recipient=court,
        requested_by="DC Smith",
        authority="Production order",
        external_reference="PO-9",
        deadline=None,
        subjects=[customer],
        data_categories=["contact"],
        data_requested="Email address",
        withhold_from_subjects=True,
        withheld_reason="The order forbids telling the subject",
    )
    look(timezone.now())
    # Everything from before the demand is still there; nothing they saw has gone.
    assert seen() == [between.pk, before.pk]
    page = client_as("customer").get(CUSTOMER_PAGE)
    assert len(page.context["events"]) == 2
    # Auditors see every look.
    assert during_grant.pk in StaffAccessEvent.objects.values_list("pk", flat=True)


def test_the_export_leaves_out_withheld_legal_grants_and_the_looks_under_them(officer, support_agent, customer):
    grant = content_access_request(
        staff=officer,
        customer=customer,
        purpose="legal",
        reason="Covert investigation XYZ",
        ticket_reference="WARRANT-99",
        withhold_notification_reason=GAG,
    )
    staff_access_log(staff=officer, customer=customer, kind=StaffAccessEvent.Kind.CONTENT_VIEW, path="/x/", grant=grant)
    told = content_access_request(
        staff=support_agent, customer=customer, purpose="support", reason="Ticket about playlists"
    )
    archive = build(customer)
    assert "staff-access-grants.json" in archive.namelist()
    grants = json.loads(archive.read("staff-access-grants.json"))["sources"][0]["records"]
    assert [row["reference"] for row in grants] == [str(told.reference)]
    # The readable page heads its columns in words, as the Staff access page does.
    page = archive.read("pages/staff-access-grants.html").decode()
    assert '<th scope="col">Asked on (UTC)</th>' in page
    assert '<th scope="col">Ticket</th>' in page
    assert "Ticket reference" not in page
    everything = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "WARRANT-99" not in everything
    assert "Covert investigation XYZ" not in everything
    assert str(grant.reference) not in everything
