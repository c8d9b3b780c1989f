"""Staff open a customer's real content under a grant, and the customer sees which file (P-24, P-25)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from apps.disclosures.domain import SUPPORT_ACCESS_DURATION
from apps.disclosures.models import StaffAccessEvent
from apps.disclosures.services.access import content_access_decide, content_access_request, content_access_revoke
from apps.service_data.models import CalendarEntry, ContentItem, SharedPost, SupportCommunication

pytestmark = pytest.mark.django_db

CUSTOMER_PAGE = reverse("disclosures_access:customer")
LEASE = b"Lease agreement\nFlat 3, 12 High Street\nRent: 950 a month\n"


def store_document(owner, *, title: str = "Lease", data: bytes = LEASE, name: str = "lease-2026.txt") -> ContentItem:
    """A document as the upload form would leave it: random stored name, its own type and hash."""
    item = ContentItem(
        owner=owner,
        kind=ContentItem.Kind.DOCUMENT,
        title=title,
        original_name=name,
        content_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    item.file.save(name, ContentFile(data), save=False)
    item.save()
    return item


def content_url(customer) -> str:
    return reverse("admin:disclosures_staff_content", kwargs={"reference": customer.reference})


def file_url(customer, item) -> str:
    return reverse("admin:service_data_staff_file", kwargs={"reference": customer.reference, "item": item.reference})


def approved_grant(agent, customer):
    grant = content_access_request(staff=agent, customer=customer, purpose="support", reason="Your upload fails")
    return content_access_decide(grant=grant, customer=customer, approve=True)


@pytest.fixture
def agent(support_agent):
    support_agent.full_name = "Sam Support"
    support_agent.save(update_fields=["full_name"])
    return support_agent


def test_it_opens_the_customers_document_under_a_grant_and_tells_the_customer(client_as, agent, customer):
    document = store_document(customer)
    staff_client = client_as("support_agent")

    # No grant: neither the list nor the file.
    assert b"lease-2026" not in staff_client.get(content_url(customer)).content
    response = staff_client.get(file_url(customer, document))
    assert response.status_code == 403
    assert b"no open access" in response.content
    assert not StaffAccessEvent.objects.exists()

    approved_grant(agent, customer)
    page = staff_client.get(content_url(customer))
    assert page.status_code == 200
    assert b"Lease" in page.content
    assert file_url(customer, document).encode() in page.content

    response = staff_client.get(file_url(customer, document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == LEASE
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    opened = StaffAccessEvent.objects.get(path=file_url(customer, document))
    assert (opened.kind, opened.staff, opened.customer) == ("content_view", agent, customer)
    assert str(document.reference) in opened.path
    assert "lease-2026" not in opened.path  # the file's own name stays out of the log

    # The customer sees who opened which document, in words.
    text = client_as("customer").get(CUSTOMER_PAGE).content.decode()
    assert "Sam Support" in text
    assert "Opened your document “Lease”" in text


def test_it_downloads_rather_than_renders_an_unsafe_type(client_as, agent, customer):
    page = store_document(customer, title="Page", data=b"<script>alert(1)</script>", name="page.html")
    ContentItem.objects.filter(pk=page.pk).update(content_type="text/html")
    approved_grant(agent, customer)
    response = client_as("support_agent").get(file_url(customer, page))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_it_refuses_after_revoke_and_after_expiry(client_as, agent, customer):
    document = store_document(customer)
    staff_client = client_as("support_agent")
    grant = approved_grant(agent, customer)
    assert staff_client.get(file_url(customer, document)).status_code == 200
    content_access_revoke(grant=grant, actor=customer)
    assert staff_client.get(file_url(customer, document)).status_code == 403

    approved_grant(agent, customer)
    assert staff_client.get(file_url(customer, document)).status_code == 200
    with time_machine.travel(timezone.now() + SUPPORT_ACCESS_DURATION + timedelta(minutes=1)):
        assert client_as("support_agent").get(file_url(customer, document)).status_code == 403
    assert StaffAccessEvent.objects.filter(kind="content_view").count() == 2


def test_it_keeps_the_grant_to_its_own_customer(client_as, agent, customer, other_customer):
    theirs = store_document(other_customer, title="Their lease")
    approved_grant(agent, customer)
    staff_client = client_as("support_agent")
    # A grant for one customer opens nothing of another's, even through the first one's page.
    assert staff_client.get(file_url(other_customer, theirs)).status_code == 403
    assert staff_client.get(file_url(customer, theirs)).status_code == 404
    unknown = reverse("admin:service_data_staff_file", kwargs={"reference": customer.reference, "item": uuid.uuid4()})
    assert staff_client.get(unknown).status_code == 404
    assert staff_client.get(f"{content_url(customer)}files/not-a-uuid/").status_code == 404
    assert not StaffAccessEvent.objects.filter(kind="content_view").exclude(path=content_url(customer)).exists()


@pytest.mark.parametrize("persona", ["anonymous", "customer", "other_customer"])
def test_it_keeps_non_staff_away_from_files(client_as, persona, customer):
    document = store_document(customer)
    response = client_as(persona).get(file_url(customer, document))
    assert response.status_code in (302, 403)
    assert LEASE not in response.content
    assert not StaffAccessEvent.objects.exists()


def test_it_shows_posts_calendar_and_support_notes_to_roles_that_may(client_as, agent, officer, customer):
    picture = store_document(customer, title="Beach", data=b"\x89PNG\r\n\x1a\n", name="beach.png")
    ContentItem.objects.filter(pk=picture.pk).update(kind=ContentItem.Kind.IMAGE, content_type="image/png")
    SharedPost.objects.create(author=customer, text="Sunset at the pier", picture=picture)
    CalendarEntry.objects.create(owner=customer, source="manual", title="Dentist", starts_at=timezone.now())
    SupportCommunication.objects.create(
        customer=customer, channel="email", direction="from_customer", subject_line="Upload stuck", body="Help"
    )
    approved_grant(agent, customer)
    text = client_as("support_agent").get(content_url(customer)).content.decode()
    for seen in ("Sunset at the pier", "Dentist", "Upload stuck", "Open the picture (logged)"):
        assert seen in text

    # A role without the support permission sees the content but not the support notes.
    officer.groups.clear()
    officer.user_permissions.add(*_permissions("disclosures.add_contentaccessgrant"))
    officer = type(officer).objects.get(pk=officer.pk)  # drop the cached permissions
    approved_grant(officer, customer)
    text = client_as("officer").get(content_url(customer)).content.decode()
    assert "Dentist" in text
    assert "Upload stuck" not in text


def test_it_describes_a_deleted_file_without_naming_it(client_as, agent, customer):
    document = store_document(customer, title="Old scan")
    approved_grant(agent, customer)
    client_as("support_agent").get(file_url(customer, document))
    document.delete()
    text = client_as("customer").get(CUSTOMER_PAGE).content.decode()
    assert "Opened one of your files (since deleted)" in text
    assert "Old scan" not in text


def _permissions(*names: str):
    from django.contrib.auth.models import Permission

    for name in names:
        app_label, codename = name.split(".")
        yield Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_the_customers_page_names_the_files_in_a_constant_number_of_queries(client_as, agent, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    approved_grant(agent, customer)
    staff_client = client_as("support_agent")
    customer_client = client_as("customer")
    customer_client.get(CUSTOMER_PAGE)  # the first request of a session records it (allauth usersessions)

    def open_files(count: int) -> None:
        for number in range(count):
            staff_client.get(file_url(customer, store_document(customer, title=f"Scan {len(opened()) + number}")))

    def opened():
        return StaffAccessEvent.objects.filter(path__contains="/files/")

    open_files(2)
    with CaptureQueriesContext(connection) as few:
        customer_client.get(CUSTOMER_PAGE)
    open_files(8)
    with CaptureQueriesContext(connection) as many:
        text = customer_client.get(CUSTOMER_PAGE).content.decode()
    assert len(many) == len(few)
    assert text.count("Opened your document “Scan") == 10


def test_the_export_says_which_file_each_look_opened(client_as, agent, customer):
    from tests.disclosures.test_records_export import build

    document = store_document(customer, title="Lease")
    approved_grant(agent, customer)
    client_as("support_agent").get(file_url(customer, document))
    archive = build(customer)
    looks = archive.read("staff-access-events.json").decode()
    assert "Opened your document “Lease”" in looks or "Opened your document \\u201cLease\\u201d" in looks
    table = archive.read("tables/staff-access-events.csv").decode()
    assert "Opened your document “Lease”" in table
    assert "lease-2026" not in looks + table


def test_a_privacy_officer_with_a_support_grant_opens_the_document_and_the_customer_sees_it(
    client_as, officer, customer
):
    """The issue's own case: an officer (not only a support agent) asks for support access."""
    officer.full_name = "Olivia Officer"
    officer.save(update_fields=["full_name"])
    document = store_document(customer)
    officer_client = client_as("officer")
    assert officer_client.get(file_url(customer, document)).status_code == 403

    grant = approved_grant(officer, customer)
    assert grant.purpose == "support"
    response = officer_client.get(file_url(customer, document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == LEASE
    assert StaffAccessEvent.objects.filter(staff=officer, customer=customer, kind="content_view").count() == 1

    text = client_as("customer").get(CUSTOMER_PAGE).content.decode()
    assert "Olivia Officer" in text
    assert "Opened your document “Lease”" in text
