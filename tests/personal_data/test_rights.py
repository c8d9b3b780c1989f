"""The complete right-of-access answer (GDPR Art. 15(1)-(2)): one generator, rendered as the
export's "Your rights and this data" page and as the access request's outcome."""

import re
import zipfile

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation
from django.utils.html import escape

from apps.accounts.models import Organisation, User
from apps.accounts.selectors import ORGANISATION_CACHE_KEY
from apps.core.actors import SystemActor
from apps.disclosures.models import Recipient
from apps.personal_data.export.run import export_request, export_run
from apps.personal_data.registry import Category
from apps.personal_data.selectors.processing import records_of_processing
from apps.personal_data.selectors.rights import rights_statement, rights_text


@pytest.fixture
def demo_customer(db):
    call_command("seed_demo", customers=1, quiet_logins=True)
    return User.objects.filter(is_staff=False).order_by("pk").first()


def rights_page(subject) -> str:
    export = export_run(export_id=export_request(subject=subject, actor=SystemActor("test"), enqueue=False).pk)
    archive = zipfile.ZipFile(export.file.path)
    assert 'href="pages/rights.html"' in archive.read("index.html").decode()
    return archive.read("pages/rights.html").decode()


def test_it_answers_every_item_of_article_15(demo_customer):
    statement = rights_statement(demo_customer)
    codes = {c.code for c in statement.categories}
    assert {Category.IDENTITY, Category.CONTACT, Category.TECHNICAL, Category.FINANCIAL} <= codes
    for category in statement.categories:
        assert category.purposes, category.code  # (a) purposes, with their legal basis
        assert category.retention, category.code  # (d) how long
    # (c) recipients: processors too, not only logged disclosures; (2) transfers and safeguards.
    names = {r.name for r in statement.recipients}
    assert {"Example Print & Post Ltd", "Example Analytics Inc."} <= names
    assert any(r.processor for r in statement.recipients)
    [transfer] = statement.transfers  # the one recipient abroad (the controller is in the UK)
    assert transfer.startswith("Example Analytics Inc., United States")
    assert transfer.endswith(": Standard contractual clauses")
    # (e) the rights and where to use them here, (f) the authority, (h) automated decisions.
    links = {right.title: right.url for right in statement.rights}
    base = settings.SITE_URL.rstrip("/")
    assert links["Rectification"] == f"{base}/account/requests/new/rectification/"
    assert links["Erasure"] == f"{base}/account/requests/new/erasure/"
    assert links["Restriction of processing"] == f"{base}/account/requests/new/restriction/"
    assert links["Objection"] == f"{base}/account/requests/new/objection/"
    assert statement.authority is not None
    assert statement.automated_decisions == []
    # (g) the source of data not from the person, in plain words, never a table's name.
    sources = [s for c in statement.categories for s in c.sources]
    assert any("Google or Facebook" in s for s in sources)
    assert any("payment processor" in s for s in sources)
    for text in sources + [p for c in statement.categories for p in c.purposes]:
        assert not re.search(r"\b[a-z_]+\.[A-Z]\w+|[a-z]+_[a-z]+|P-\d+", text), text


@pytest.mark.parametrize(
    ("country", "authority"),
    [("GB", "Information Commissioner's Office (ICO)"), ("VN", "Ministry of Public Security (Department A05)")],
)
def test_it_names_the_supervisory_authority_of_the_persons_jurisdiction(demo_customer, country, authority):
    demo_customer.country = country
    demo_customer.save()
    assert rights_statement(demo_customer).authority.name == authority
    assert escape(authority) in rights_page(demo_customer)


def test_the_export_page_and_the_outcome_carry_the_same_answer(demo_customer):
    statement = rights_statement(demo_customer)
    page = rights_page(demo_customer)
    text = rights_text(statement)
    for rendering in (page, text):
        assert "Example Analytics Inc." in rendering
        assert "Standard contractual clauses" in rendering
        assert (escape if rendering is page else str)(statement.authority.name) in rendering
        assert "no decision about you by automated means alone" in rendering
        assert "/account/requests/new/erasure/" in rendering
        for category in statement.categories:
            assert category.label in rendering
    assert "<h1>Your rights and this data</h1>" in page


def test_it_is_written_in_the_persons_language(demo_customer):
    demo_customer.preferred_language = "vi"
    demo_customer.save()
    page = rights_page(demo_customer)
    assert '<html lang="vi">' in page
    with translation.override("vi"):
        assert str(Category.CONTACT.label) in page


def _controller_in(country: str) -> None:
    Organisation.objects.update(country=country)
    cache.delete(ORGANISATION_CACHE_KEY)


def _recipient(name: str, country: str, safeguard: str = "not_needed") -> None:
    Recipient.objects.create(
        name=name, category=Recipient.Category.PROCESSOR, country=country, transfer_safeguard=safeguard
    )


def test_within_the_eea_nothing_is_a_transfer_for_a_controller_in_it(demo_customer):
    _controller_in("DE")
    _recipient("Paris Mailing SARL", "FR")
    _recipient("Oslo Archive AS", "NO", "adequacy")  # a safeguard recorded needlessly: still no transfer
    transfers = rights_statement(demo_customer).transfers
    assert not any("Paris Mailing" in t or "Oslo Archive" in t for t in transfers)
    assert any(t.startswith("Example Analytics Inc., United States") for t in transfers)  # still abroad
    for activity in records_of_processing().activities:
        assert not any("Paris Mailing" in t or "Oslo Archive" in t for t in activity.transfers)


def test_a_uk_controller_sends_to_the_eea_under_the_uk_adequacy_regulations(demo_customer):
    _controller_in("GB")
    _recipient("Dublin Print Ltd", "IE")
    transfers = rights_statement(demo_customer).transfers
    assert "Dublin Print Ltd, Ireland: Adequacy decision" in transfers
    assert not any("no safeguard recorded" in t for t in transfers)


def test_a_recipient_abroad_with_no_safeguard_is_still_flagged(demo_customer):
    _controller_in("GB")
    _recipient("Faraway Hosting LLC", "SG")
    assert "Faraway Hosting LLC, Singapore: no safeguard recorded" in rights_statement(demo_customer).transfers
