"""Importing a register from a CSV file in the admin: officers only, checked whole, all or nothing."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.disclosures.domain import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from apps.disclosures.forms.register import ImportForm
from apps.disclosures.models import Disclosure
from apps.disclosures.selectors.register import verify_chain
from tests.disclosures.factories import RecipientFactory, record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:disclosures_disclosure_import")
CHANGELIST = reverse("admin:disclosures_disclosure_changelist")
HEADER = "disclosed_at,recipient,subjects,data_categories,description,reason,legal_basis,external_reference\n"
GOOD = "2026-03-01,Print House Ltd,customer@example.test,contact,Postal addresses,Catalogue mailing,contract,\n"


def upload(text: str | bytes, name: str = "register.csv") -> dict:
    data = text.encode() if isinstance(text, str) else text
    return {"file": SimpleUploadedFile(name, data, "text/csv")}


def file_errors(response) -> str:
    assert response.status_code == 400
    return " ".join(response.context["form"].errors["file"])


def test_it_appends_the_file_in_order_and_says_which_entries(client_as, officer, customer, other_customer):
    print_house = RecipientFactory(name="Print House Ltd")
    courier = RecipientFactory(name="Parcel Courier GmbH")
    record(actor=officer, subjects=[customer])
    text = (
        HEADER
        + GOOD
        + f"2026-03-14T09:30:00,{courier.reference},customer@example.test;other@example.test,contact;usage,"
        '"Address, phone",Delivery,contract,PO-7\n'
    )
    client = client_as("officer")

    response = client.post(URL, upload(text))

    assert response.status_code == 302
    assert response.url == CHANGELIST
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Imported 2 entries as #2 to #3."]
    mailing, delivery = Disclosure.objects.order_by("sequence")[1:]
    assert (mailing.sequence, mailing.recipient, mailing.description) == (2, print_house, "Postal addresses")
    assert (delivery.sequence, delivery.recipient, delivery.description) == (3, courier, "Address, phone")
    assert delivery.external_reference == "PO-7"
    assert delivery.subjects.count() == 2
    assert mailing.recorded_by == delivery.recorded_by == officer
    assert delivery.history.get().history_user == officer
    assert verify_chain() == (3, None)


def test_the_changelist_offers_the_import_to_officers_only(client_as, officer, customer):
    record(actor=officer, subjects=[customer])
    assert URL in client_as("officer").get(CHANGELIST).content.decode()
    auditor_page = client_as("auditor").get(CHANGELIST)
    assert auditor_page.status_code == 200
    assert URL not in auditor_page.content.decode()


def test_the_page_lists_the_columns_and_an_example(client_as):
    response = client_as("officer").get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        assert f"<code>{column}</code>" in page
    assert 'id="import-example"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'class="breadcrumbs"' in page
    assert CHANGELIST in page


def test_the_example_on_the_page_imports(client_as, officer):
    RecipientFactory(name="Print House Ltd")
    RecipientFactory(name="Parcel Courier GmbH")
    UserFactory(email="ana@example.com")
    UserFactory(email="ben@example.com")
    response = client_as("officer").post(URL, upload(ImportForm.EXAMPLE))
    assert response.status_code == 302
    assert Disclosure.objects.count() == 2


def test_bad_entries_are_listed_and_nothing_is_written(client_as, officer, customer):
    RecipientFactory(name="Print House Ltd")
    existing = record(actor=officer, subjects=[customer])
    text = (
        HEADER
        + GOOD
        + "yesterday,Nobody Ltd,ghost@example.test,contact,Addresses,Mailing,gossip,\n"
        + "2026-03-01,Print House Ltd,customer@example.test,contact,,Mailing,contract,\n"
        + "2026-03-01,Print House Ltd,customer@example.test,bank details,A,B,contract,\n"
    )

    response = client_as("officer").post(URL, upload(text))

    assert response.status_code == 400
    problems = response.context["problems"]
    assert len(problems) == 2  # the file is checked before the service is asked
    assert problems[0].startswith("Entry 2: the date 'yesterday' is not a date")
    assert "no active recipient is called 'Nobody Ltd'" in problems[0]
    assert "no account has the address 'ghost@example.test'" in problems[0]
    assert "'gossip' is not a legal basis" in problems[0]
    assert problems[1] == "Entry 3: the description is empty."
    page = response.content.decode()
    assert 'class="errornote"' in page
    assert "Nothing was imported" in page
    assert "Entry 2: the date" in page
    assert "Entry 3: the description is empty." in page
    assert list(Disclosure.objects.all()) == [existing]
    assert verify_chain() == (1, None)


def test_a_long_list_of_problems_is_cut_short(client_as, officer, customer):
    text = HEADER + "2026-03-01,Nobody Ltd,customer@example.test,contact,A,B,contract,\n" * 205
    response = client_as("officer").post(URL, upload(text))
    assert len(response.context["problems"]) == 200
    assert response.context["problems"][-1].startswith("Entry 200: ")
    assert "… and 5 more problems." in response.content.decode()
    assert not Disclosure.objects.exists()


def test_problems_the_service_finds_are_listed_too(client_as, officer, customer):
    RecipientFactory(name="Print House Ltd")
    text = HEADER + GOOD + "2026-03-01,Print House Ltd,customer@example.test,bank details,A,B,contract,\n"
    response = client_as("officer").post(URL, upload(text))
    assert response.status_code == 400
    assert response.context["problems"] == ["Entry 2: Choose the categories of data disclosed."]
    assert not Disclosure.objects.exists()


def test_one_officer_cannot_import_a_compelled_disclosure(client_as, officer, customer):
    # Four eyes (P-21): as on the add and amend forms, a compelled disclosure is a compelled request.
    RecipientFactory(name="Print House Ltd")
    RecipientFactory(name="Example Crown Court", category="court")
    text = (
        HEADER
        + GOOD
        + "2026-03-02,Print House Ltd,customer@example.test,contact,Addresses,Police asked,law_enforcement,\n"
        + "2026-03-03,Example Crown Court,customer@example.test,contact,Addresses,Hearing,legal_obligation,\n"
    )
    response = client_as("officer").post(URL, upload(text))
    assert response.status_code == 400
    problems = response.context["problems"]
    assert [p.split(":")[0] for p in problems] == ["Entry 2", "Entry 3"]
    assert all("compelled request" in p and "(P-21)" in p for p in problems)
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "Choose the CSV file to import."),
        (upload(HEADER + GOOD, name="register.xlsx"), "Choose a .csv file."),
        (upload(b""), "The submitted file is empty."),
        (upload((HEADER + GOOD).replace("Print", "Pr\u00eent").encode("latin-1")), "not UTF-8"),
        (upload((HEADER + GOOD).encode("utf-16")), "not UTF-8"),
        (upload("date,who\n2026-01-01,x\n"), "lacks the columns: disclosed_at, recipient, subjects"),
    ],
    ids=["no-file", "not-csv", "empty", "latin-1", "utf-16", "wrong-columns"],
)
def test_a_file_it_cannot_read_is_a_form_error(client_as, officer, customer, files, expected):
    RecipientFactory(name="Print House Ltd")
    response = client_as("officer").post(URL, files)
    assert expected in file_errors(response)
    assert not response.context["problems"]
    assert "errors" in response.content.decode()  # shown on the form
    assert not Disclosure.objects.exists()


def test_a_file_over_5_mb_is_a_form_error(client_as, officer, customer):
    RecipientFactory(name="Print House Ltd")
    text = HEADER + GOOD * (5 * 1024 * 1024 // len(GOOD) + 1)
    assert len(text.encode()) > 5 * 1024 * 1024
    response = client_as("officer").post(URL, upload(text))
    assert "at most 5.0" in file_errors(response)
    assert not Disclosure.objects.exists()


def test_a_file_of_exactly_5_mb_is_read(client_as, officer, customer):
    RecipientFactory(name="Print House Ltd")
    text = HEADER + GOOD
    text += " " * (5 * 1024 * 1024 - len(text))  # trailing blanks: one unreadable last entry
    response = client_as("officer").post(URL, upload(text))
    assert response.status_code == 400
    assert "file" not in response.context["form"].errors
    assert response.context["problems"]


@pytest.mark.parametrize("persona", ["support_agent", "auditor"])
def test_other_staff_may_not_import(client_as, persona, customer):
    RecipientFactory(name="Print House Ltd")
    client = client_as(persona)
    assert client.get(URL).status_code == 403
    assert client.post(URL, upload(HEADER + GOOD)).status_code == 403
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous", "customer"])
def test_non_staff_are_sent_to_sign_in(client_as, persona):
    RecipientFactory(name="Print House Ltd")
    client = client_as(persona)
    for response in (client.get(URL), client.post(URL, upload(HEADER + GOOD))):
        assert response.status_code == 302
        assert "/admin/login/" in response.url or "/accounts/login/" in response.url
    assert not Disclosure.objects.exists()


def test_only_get_and_post(client_as):
    assert client_as("officer").put(URL).status_code == 405
