"""The records of processing (GDPR Art. 30(1)): generated from the demo data, complete, in the
admin for officers only and as manage.py records_of_processing in three formats."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.models import Organisation
from apps.accounts.selectors import ORGANISATION_CACHE_KEY


@pytest.fixture
def demo(db):
    call_command("seed_demo", customers=2, quiet_logins=True)


def printed(capsys, *args) -> str:
    capsys.readouterr()
    call_command("records_of_processing", *args)
    return capsys.readouterr().out


def test_it_prints_a_complete_record_from_the_demo_data(demo, capsys):
    record = json.loads(printed(capsys, "--format", "json"))
    controller = record["controller"]
    for item in ("name", "address", "contact_email", "phone", "dpo_name", "dpo_email"):
        assert controller[item], item
    assert record["security_measures"].strip()
    purposes = {a["purpose"]: a for a in record["activities"]}
    assert len(purposes) >= 20
    for activity in purposes.values():
        for item in ("legal_bases", "data_subjects", "data_categories", "fides_categories", "time_limits"):
            assert activity[item], (activity["purpose"], item)
        # Processors are recipients, not only the ones a logged disclosure names.
        assert "Example Print & Post Ltd (Service provider / processor, United Kingdom)" in activity["recipients"]
        assert any(
            "Example Analytics Inc., United States" in t and "contractual clauses" in t for t in activity["transfers"]
        )
    sign_ins = purposes["Account security and fraud detection"]
    assert sign_ins["legal_bases"] == ["legitimate interests"]
    assert "user.device.ip_address" in sign_ins["fides_categories"]
    # The time limit comes from the retention rule on the sign-in history.
    assert any("12 months" in limit for limit in sign_ins["time_limits"])
    assert "Staff" in purposes["Staff roles"]["data_subjects"]
    # Nothing internal is a purpose: no promise ids.
    assert not any("P-" in purpose for purpose in purposes)


def test_it_prints_csv_and_html(demo, capsys):
    rows = list(csv.DictReader(io.StringIO(printed(capsys, "--format", "csv"))))
    assert rows
    for row in rows:
        assert row["legal_bases"], row
        assert row["time_limits"], row
        assert row["security_measures"], row
    html = printed(capsys, "--format", "html")
    assert "<h1>Records of processing activities</h1>" in html
    assert "Account security and fraud detection" in html
    assert "Standard contractual clauses" in html


def test_it_says_the_record_is_incomplete_without_security_measures(demo, client_as):
    Organisation.objects.update(security_measures="")
    cache.delete(ORGANISATION_CACHE_KEY)
    page = client_as("officer").get(reverse("admin:personal_data_records_of_processing")).content.decode()
    assert "The record is incomplete" in page
    assert "No security measures are described yet" in page


@pytest.mark.parametrize(
    ("persona", "status"), [("officer", 200), ("support_agent", 403), ("auditor", 403), ("customer", 302)]
)
def test_it_shows_the_record_in_the_admin_to_officers_only(demo, client_as, persona, status):
    response = client_as(persona).get(reverse("admin:personal_data_records_of_processing"))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Records of processing activities" in page
        assert "Dana Protection" in page
        assert "Account security and fraud detection" in page
        index = client_as(persona).get(reverse("admin:index")).content.decode()
        assert reverse("admin:personal_data_records_of_processing") in index


@time_machine.travel(datetime(2026, 1, 15, 23, 30, tzinfo=UTC), tick=False)
def test_the_time_it_was_generated_is_in_utc_as_it_says_whatever_the_organisations_zone(
    demo, client_as, capsys, settings
):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"  # 06:30 the next day there
    page = client_as("officer").get(reverse("admin:personal_data_records_of_processing")).content.decode()
    assert "Generated on 2026-01-15 23:30 (UTC)" in page
    assert "Generated on 2026-01-15 23:30 (UTC)" in printed(capsys, "--format", "html")


def test_a_recipient_that_names_its_categories_is_listed_only_under_the_purposes_holding_them(demo, capsys):
    from apps.disclosures.models import Recipient

    Recipient.objects.filter(name="Example Print & Post Ltd").update(categories_held=["financial"])
    record = json.loads(printed(capsys, "--format", "json"))
    words = "Example Print & Post Ltd (Service provider / processor, United Kingdom)"
    listing = {a["purpose"]: words in a["recipients"] for a in record["activities"]}
    holding = {a["purpose"]: "Financial" in a["data_categories"] for a in record["activities"]}
    assert any(holding.values())
    assert not all(holding.values())
    assert listing == holding
    # A recipient that names no category still appears under every purpose.
    assert all("Example Analytics Inc." in " ".join(a["recipients"]) for a in record["activities"])
