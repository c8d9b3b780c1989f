"""Your Account → Disclosure records (P-22): customers check who received their data."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.disclosures.models import Disclosure, DisclosureSubject
from apps.disclosures.selectors.records import disclosures_for_subject, withheld_summary_for_subject
from apps.disclosures.selectors.register import verify_chain
from apps.disclosures.services.register import disclosure_amend, disclosure_set_visibility
from apps.personal_data.domain import subject_reference
from tests.disclosures.factories import RecipientFactory, record

pytestmark = pytest.mark.django_db

PAGE_URL = "/account/disclosures/"
CSV_URL = "/account/disclosures.csv"
COURT_SECRET = "Court order 44/2026 forbids telling the subject"
GAG = "Order 12/2026 forbids telling the customer"


def withhold(entry, actor, reason=COURT_SECRET):
    return disclosure_set_visibility(disclosure=entry, actor=actor, visibility="withheld", withheld_reason=reason)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_it_answers_at_the_documented_urls():
    assert reverse("disclosures:records") == PAGE_URL
    assert reverse("disclosures:records_csv") == CSV_URL


# --- The selector ------------------------------------------------------------------------


def test_it_selects_the_subjects_disclosures_newest_first(officer, customer, other_customer):
    now = timezone.now()
    older = record(actor=officer, subjects=[customer], disclosed_at=now - timedelta(days=3))
    newer = record(actor=officer, subjects=[customer, other_customer], disclosed_at=now - timedelta(days=1))
    record(actor=officer, subjects=[other_customer])
    assert list(disclosures_for_subject(user=customer)) == [newer, older]


def test_it_finds_records_linked_only_by_the_pseudonymous_reference(officer, customer):
    entry = record(actor=officer, subjects=[customer])
    # A link made before the account link existed (or cleared since): only the reference is left.
    DisclosureSubject.objects.filter(disclosure=entry).update(subject=None)
    assert list(disclosures_for_subject(user=customer)) == [entry]


def test_it_lists_each_disclosure_once_however_it_is_linked(officer, customer):
    entry = record(actor=officer, subjects=[customer])
    assert disclosures_for_subject(user=customer).count() == 1
    assert list(disclosures_for_subject(user=customer)) == [entry]


def test_it_summarises_withheld_records_by_reason_only(officer, customer):
    withhold(record(actor=officer, subjects=[customer]), officer)
    withhold(record(actor=officer, subjects=[customer]), officer)
    withhold(record(actor=officer, subjects=[customer]), officer, reason="Police investigation, review in June")
    record(actor=officer, subjects=[customer])
    assert withheld_summary_for_subject(user=customer) == [
        {"reason": COURT_SECRET, "count": 2},
        {"reason": "Police investigation, review in June", "count": 1},
    ]


# --- The page ------------------------------------------------------------------------------


def test_it_shows_every_detail_of_a_visible_record(client_as, officer, customer):
    recipient = RecipientFactory(
        name="Acme Analytics Inc", category="processor", country="US", transfer_safeguard="scc"
    )
    record(
        actor=officer,
        subjects=[customer],
        recipient=recipient,
        data_categories=["contact", "usage"],
        description="Email address and listening history for May",
        reason="Analysing service faults",
        legal_basis="contract",
        disclosed_at=timezone.now().replace(year=2026, month=5, day=4, hour=10, minute=30),
    )
    page = client_as("customer").get(PAGE_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "We record every disclosure" in html
    assert "4 May 2026, 11:30" in html  # 10:30 UTC in the customer's zone (GB: London, summer time)
    assert "Acme Analytics Inc" in html
    assert "Service provider / processor" in html
    assert "United States of America" in html
    assert "Sent abroad, protected by: Standard contractual clauses" in html
    assert "Contact details, Usage" in html
    assert "Email address and listening history for May" in html
    assert "Analysing service faults" in html
    assert "Contract" in html
    assert 'class="account-nav"' in html
    assert f'href="{PAGE_URL}" aria-current="page">Disclosure records</a>' in html
    assert "no-store" in page["Cache-Control"]


def test_it_says_when_data_stayed_in_the_country(client_as, officer, customer):
    record(actor=officer, subjects=[customer], recipient=RecipientFactory(country="GB"))
    html = client_as("customer").get(PAGE_URL).content.decode()
    assert "Not sent abroad" in html
    assert "Sent abroad" not in html


def test_it_shows_an_amendment_as_correcting_the_earlier_record(client_as, officer, customer):
    original = record(
        actor=officer,
        subjects=[customer],
        disclosed_at=timezone.now().replace(year=2026, month=3, day=2, hour=9, minute=0),
    )
    disclosure_amend(original=original, actor=officer, correction="Wrong month", description="Login times for April")
    html = client_as("customer").get(PAGE_URL).content.decode()
    assert "This record corrects the record of 2 Mar 2026, 09:00." in html
    assert "A later record corrects this one." in html
    assert "Login times for April" in html


def test_it_tells_only_that_a_withheld_record_exists_and_why(client_as, officer, customer):
    secret = record(
        actor=officer,
        subjects=[customer],
        recipient=RecipientFactory(name="Secret Police Unit"),
        description="Everything about the covert case",
        reason="Covert investigation 9",
    )
    withhold(secret, officer)
    disclosure_amend(original=secret, actor=officer, correction="Wrong unit", description="Covert amendment text")
    html = client_as("customer").get(PAGE_URL).content.decode()
    assert "Records we cannot show you" in html
    assert "There are 2 records of disclosures of your data that we may not show you." in html
    assert COURT_SECRET in html
    for hidden in (
        "Secret Police Unit",
        "Everything about the covert case",
        "Covert investigation 9",
        "Covert amendment",
    ):
        assert hidden not in html
    assert str(secret.reference) not in html
    assert "There are no other records of your data being disclosed." in html


def test_it_hides_the_date_of_a_withheld_record_that_a_visible_one_corrects(client_as, officer, customer):
    secret = withhold(
        record(actor=officer, subjects=[customer], disclosed_at=timezone.now().replace(year=2025, month=1, day=7)),
        officer,
    )
    disclosure_amend(original=secret, actor=officer, correction="Now public", visibility="visible", withheld_reason="")
    html = client_as("customer").get(PAGE_URL).content.decode()
    assert "This record corrects an earlier record." in html
    assert "2025-01-07" not in html.split("This record corrects")[1].split("</p>")[0]


def test_it_shows_an_empty_state(client_as, customer):
    html = client_as("customer").get(PAGE_URL).content.decode()
    assert "There are no records of your data being disclosed." in html
    assert "Download these records" not in html


def test_it_never_shows_another_customers_records(client_as, officer, customer, other_customer):
    record(actor=officer, subjects=[other_customer], description="Only about Olu")
    record(actor=officer, subjects=[customer, other_customer], description="About both of them")
    mine = client_as("customer").get(PAGE_URL).content.decode()
    theirs = client_as("other_customer").get(PAGE_URL).content.decode()
    assert "Only about Olu" not in mine
    assert "About both of them" in mine
    assert "Only about Olu" in theirs
    assert "About both of them" in theirs
    assert "Olu Other" not in mine
    assert "other@example.test" not in mine
    only_theirs = csv_rows(client_as("customer").get(CSV_URL))
    assert [row["description"] for row in only_theirs] == ["About both of them"]


def test_it_does_not_show_another_customers_withheld_notice(client_as, officer, customer, other_customer):
    withhold(record(actor=officer, subjects=[other_customer]), officer)
    html = client_as("customer").get(PAGE_URL).content.decode()
    assert COURT_SECRET not in html
    assert "Records we cannot show you" not in html


@pytest.mark.parametrize("url", [PAGE_URL, CSV_URL])
def test_it_sends_anonymous_visitors_to_sign_in(client_as, url):
    response = client_as("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [PAGE_URL, CSV_URL])
def test_it_refuses_other_methods(client_as, customer, url):
    assert client_as("customer").post(url).status_code == 405


def test_it_shows_staff_only_their_own_records(client_as, officer, customer):
    record(actor=officer, subjects=[customer], description="Customer's record")
    html = client_as("officer").get(PAGE_URL).content.decode()
    assert "Customer's record" not in html
    assert "There are no records of your data being disclosed." in html


def test_it_pages_by_twenty_newest_first(client_as, officer, customer):
    now = timezone.now()
    recipient = RecipientFactory()
    for day in range(23):
        record(
            actor=officer,
            subjects=[customer],
            recipient=recipient,
            description=f"Record of day {day:02d}",
            disclosed_at=now - timedelta(days=day),
        )
    client = client_as("customer")
    first = client.get(PAGE_URL).content.decode()
    assert first.count('<article class="disclosure"') == 20
    assert first.index("Record of day 00") < first.index("Record of day 19")
    assert "Record of day 20" not in first
    assert "Page 1 of 2" in first
    second = client.get(PAGE_URL, {"page": 2}).content.decode()
    assert second.count('<article class="disclosure"') == 3
    assert "Record of day 22" in second
    assert client.get(PAGE_URL, {"page": "nonsense"}).status_code == 200


def test_it_lists_records_in_a_fixed_number_of_queries(
    client_as, officer, customer, other_customer, django_assert_max_num_queries
):
    client = client_as("customer")
    original = record(actor=officer, subjects=[customer])
    disclosure_amend(original=original, actor=officer, correction="Fix")
    withhold(record(actor=officer, subjects=[customer]), officer)
    client.get(PAGE_URL)
    with django_assert_max_num_queries(10) as few:
        client.get(PAGE_URL)
    for _ in range(12):
        entry = record(
            actor=officer,
            subjects=[customer, other_customer],
            recipient=RecipientFactory(country="FR", transfer_safeguard="adequacy"),
        )
        disclosure_amend(original=entry, actor=officer, correction="Fix")
        withhold(record(actor=officer, subjects=[customer]), officer, reason=f"Order {entry.sequence}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(PAGE_URL).content.decode()
    assert html.count('<article class="disclosure"') == 20


def test_it_shows_the_page_in_the_customers_language(client_as, customer):
    customer.preferred_language = "vi"
    customer.save()
    html = client_as("customer").get(PAGE_URL).content.decode()
    assert '<html lang="vi">' in html


# --- The CSV download -------------------------------------------------------------------------


def test_it_downloads_the_visible_records_as_csv(client_as, officer, customer):
    recipient = RecipientFactory(name="Acme Analytics Inc", country="US", transfer_safeguard="scc")
    visible = record(actor=officer, subjects=[customer], recipient=recipient, description="Listening history")
    withhold(record(actor=officer, subjects=[customer], description="The covert one"), officer)
    response = client_as("customer").get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["reference"] == str(visible.reference)
    assert row["recipient"] == "Acme Analytics Inc"
    assert row["recipient_country"] == "United States of America"
    assert row["international_transfer"] == "True"
    assert row["transfer_safeguard"] == "Standard contractual clauses"
    assert row["data_categories"] == "Contact details; Usage"
    assert row["description"] == "Listening history"
    assert row["legal_basis"] == "Court order"
    assert "The covert one" not in response.content.decode()
    assert COURT_SECRET not in response.content.decode()


def test_it_downloads_a_header_only_csv_when_there_are_no_records(client_as, customer):
    response = client_as("customer").get(CSV_URL)
    assert response.status_code == 200
    assert response.content.decode().splitlines()[0].startswith("reference,disclosed_at,recipient")
    assert csv_rows(response) == []


def test_it_keeps_showing_records_after_the_account_link_is_cleared(client_as, officer, customer):
    entry = record(actor=officer, subjects=[customer], description="Linked by reference")
    DisclosureSubject.objects.filter(disclosure=entry).update(subject=None)
    assert DisclosureSubject.objects.get().subject_reference == subject_reference(customer)
    assert "Linked by reference" in client_as("customer").get(PAGE_URL).content.decode()


def test_it_only_reads_the_register(client_as, officer, customer):
    record(actor=officer, subjects=[customer])
    before = list(Disclosure.objects.values_list("entry_hash", "visibility"))
    client_as("customer").get(PAGE_URL)
    client_as("customer").get(CSV_URL)
    assert list(Disclosure.objects.values_list("entry_hash", "visibility")) == before


@pytest.mark.parametrize("withhold", ["original", "amendment"])
def test_withholding_an_entry_withholds_the_corrections_that_repeat_it(client_as, officer, customer, withhold):
    original = record(
        actor=officer,
        subjects=[customer],
        recipient=RecipientFactory(name="Secret Agency Ltd"),
        description="Covert thing",
        legal_basis="legal_obligation",
    )
    amendment = disclosure_amend(original=original, actor=officer, correction="typo", description="Covert thing v2")
    entry = original if withhold == "original" else amendment
    disclosure_set_visibility(disclosure=entry, actor=officer, visibility="withheld", withheld_reason=GAG)
    body = client_as("customer").get(reverse("disclosures:records")).content.decode()
    assert "Secret Agency Ltd" not in body
    assert "Covert thing" not in body
    assert "2 records" in body
    assert verify_chain() == (2, None)


def test_the_csv_writes_formula_like_text_as_text(client_as, officer, customer):
    record(actor=officer, subjects=[customer], description='=HYPERLINK("http://x")', reason="@SUM(A1:A2)")
    rows = csv_rows(client_as("customer").get(CSV_URL))
    assert (rows[0]["description"], rows[0]["reason"]) == ('\'=HYPERLINK("http://x")', "'@SUM(A1:A2)")
