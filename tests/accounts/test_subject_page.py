"""A customer's admin page is a person's: no staff, superuser or permission fields, no Delete,
and Erase and Export each behind a confirmation page that goes through the engines' services."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from apps.consent.models import Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.core.actors import SystemActor
from apps.personal_data.erasure.run import erasure_start
from apps.personal_data.export.run import export_request
from apps.personal_data.models import DataExport, ErasureRun
from apps.subject_requests.services.requests import subject_request_transition
from tests.factories import LoginEventFactory, UserFactory
from tests.helpers import add_authenticator, sign_in
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db


def page(customer) -> str:
    return reverse("admin:accounts_user_change", args=[customer.pk])


def erase_url(customer) -> str:
    return reverse("admin:accounts_user_erase", args=[customer.pk])


def export_url(customer) -> str:
    return reverse("admin:accounts_user_export", args=[customer.pk])


def test_it_shows_a_customer_without_staff_fields_or_delete_and_with_the_privacy_actions(client_as, customer):
    body = client_as("officer").get(page(customer)).content.decode()
    for name in ("is_staff", "is_superuser", "user_permissions", 'name="groups"', "field-groups"):
        assert name not in body, name
    assert "deletelink" not in body
    assert erase_url(customer) in body
    assert export_url(customer) in body
    assert f"{reverse('admin:retention_legalhold_add')}?subject={customer.pk}" in body  # Place a hold
    assert reverse("admin:consent_evidence", kwargs={"reference": customer.reference}) in body  # Record consent
    assert "field-is_active" in body  # the account's own switch stays, with the account


def test_it_still_shows_staff_access_on_a_staff_account(client, second_officer):
    root = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    add_authenticator(root)
    body = sign_in(client, root).get(page(second_officer)).content.decode()
    assert "field-is_superuser" in body


def test_it_erases_a_customer_after_a_plain_language_confirmation(client_as, customer):
    LoginEventFactory(user=customer)
    client = client_as("officer")
    confirmation = client.get(erase_url(customer)).content.decode()
    assert "Login events" in confirmation
    assert "cannot be undone" in confirmation
    assert "legal_obligation" not in confirmation
    assert "admin.LogEntry" not in confirmation
    refused = client.post(erase_url(customer), {"confirm": "yes", "reason": " "})
    assert refused.status_code == 400
    assert not ErasureRun.objects.filter(subject_id=customer.pk).exists()
    response = client.post(erase_url(customer), {"confirm": "yes", "reason": "Request 1A2B3C4D"}, follow=True)
    run = ErasureRun.objects.get(subject_id=customer.pk, dry_run=False)
    assert run.reason == "Request 1A2B3C4D"
    certificate = reverse("admin:personal_data_erasurerun_certificate", args=[run.pk])
    assert response.redirect_chain[0][0] == certificate
    assert certificate in response.content.decode()  # the success message links to it too


def test_it_prepares_an_export_after_a_confirmation(client_as, customer, officer):
    client = client_as("officer")
    assert "Only they can download it" in client.get(export_url(customer)).content.decode()
    assert client.post(export_url(customer), {}).status_code == 400
    assert not DataExport.objects.filter(subject=customer).exists()
    response = client.post(export_url(customer), {"confirm": "yes"})
    export = DataExport.objects.get(subject=customer)
    assert response["Location"] == reverse("admin:personal_data_dataexport_change", args=[export.pk])
    assert export.requested_by == officer  # who prepared a copy of someone's data is on record
    assert officer.email in client.get(response["Location"]).content.decode()


def test_it_tells_the_officer_in_their_words_when_the_person_is_being_erased(client_as, customer):
    with TestCase.captureOnCommitCallbacks(execute=False):
        erasure_start(subject=customer, actor=SystemActor("tests"), reason="test erasure")
    response = client_as("officer").post(export_url(customer), {"confirm": "yes"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "being erased, so no copy can be prepared" in page
    assert "Your account" not in page


@pytest.mark.parametrize("persona", ["support_agent", "auditor"])
def test_it_refuses_erase_and_export_to_other_roles(client_as, customer, persona):
    client = client_as(persona)
    assert client.get(erase_url(customer)).status_code == 403
    assert client.post(erase_url(customer), {"confirm": "yes", "reason": "x"}).status_code == 403
    assert client.post(export_url(customer), {"confirm": "yes"}).status_code == 403
    assert not ErasureRun.objects.exists()


def test_it_refuses_to_erase_a_staff_account_and_a_bad_id(client_as, second_officer):
    client = client_as("officer")
    assert client.get(erase_url(second_officer)).status_code == 403
    assert client.get(reverse("admin:accounts_user_erase", args=["abc"])).status_code == 404


def test_it_shows_what_every_app_knows_about_the_person_each_list_short_with_a_link_to_all(
    client_as, customer, officer
):

    request = file_request(customer)
    consent_record(
        purpose=Purpose.objects.get(code="newsletter"),
        granted=True,
        context=Context(method="account_page"),
        actor=customer,
        subject=customer,
    )
    export_request(subject=customer, actor=customer, enqueue=False)
    LoginEventFactory(user=customer)
    body = client_as("officer").get(page(customer)).content.decode()
    requests_panel = body.split("field-open_requests", 1)[1].split("</fieldset>", 1)[0]
    assert request.short_reference in requests_panel
    assert "deadline" in requests_panel
    assert f"?account={customer.reference}" in requests_panel  # the full list, by the account not a search
    consent_panel = body.split("field-consent", 1)[1].split("</fieldset>", 1)[0]
    assert "newsletter" in consent_panel
    assert "field-disclosures" in body
    assert "field-staff_access" in body
    assert "field-exports" in body
    assert "field-erasures" in body
    assert reverse("admin:accounts_loginevent_changelist") in body


def test_its_full_lists_hold_only_this_persons_rows_not_every_similar_address(client_as):
    an = UserFactory(email="an@example.test")
    jan = UserFactory(email="jan@example.test")
    mine, theirs = file_request(an), file_request(jan)
    LoginEventFactory(user=an, ip_address="192.0.2.1")
    LoginEventFactory(user=jan, ip_address="192.0.2.99")
    client = client_as("officer")
    body = client.get(page(an)).content.decode()
    requests_link = body.split("field-open_requests", 1)[1].split('<p><a href="', 1)[1].split('"', 1)[0]
    listed = client.get(requests_link.replace("&amp;", "&")).content.decode()
    assert mine.short_reference in listed
    assert theirs.short_reference not in listed
    logins_link = reverse("admin:accounts_loginevent_changelist") + f"?account={an.reference}"
    assert logins_link in body
    listed = client.get(logins_link).content.decode()
    assert "192.0.2.1<" in listed
    assert "192.0.2.99" not in listed
    mangled = client.get(reverse("admin:accounts_loginevent_changelist") + "?account=not-a-reference")
    assert mangled.status_code == 200
    assert "192.0.2" not in mangled.content.decode()


def test_it_opens_the_subject_page_in_a_bounded_number_of_queries(client_as, customer, django_assert_max_num_queries):

    for _ in range(15):  # more than the page lists: closed ones, so none is a duplicate of another
        subject_request_transition(
            request=file_request(customer), to_status="rejected", actor=None, reason="Asked twice"
        )
    LoginEventFactory.create_batch(30, user=customer)
    client = client_as("officer")
    client.get(page(customer))  # warm the session and caches
    with django_assert_max_num_queries(80):
        client.get(page(customer))
