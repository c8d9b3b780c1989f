"""Jurisdictions: the checks on a law's deadline rule (DeadlineRule.clean) and which version applies."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from apps.subject_requests.models import DeadlineRule, Jurisdiction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("term", [[100000, "months"], [True, "days"], [-1, "days"], [0, "days"], [15, "weeks"]])
def test_a_deadline_rule_refuses_absurd_terms(term):
    rule = DeadlineRule.objects.get(jurisdiction__code="vn", effective_from=date(2026, 1, 1))
    rule.type_terms = {"access": {"respond": term}}
    with pytest.raises(ValidationError):
        rule.full_clean()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        # Counted from receipt, an extension no longer than the response moves the deadline earlier.
        ({"extension_amount": 1}, "extension_amount"),  # UK: 1 month from receipt, the same as the response
        ({"extension_amount": 30, "extension_unit": "days"}, "extension_amount"),  # shorter than a 31-day month
        ({"type_terms": {"withdrawal": {"respond": [15, "days"], "extension": [15, "days"]}}}, "type_terms"),
        ({"type_terms": {"access": {"respond": [3, "months"]}}}, "type_terms"),  # the rule's 3 months from receipt
    ],
)
def test_a_deadline_rule_refuses_an_extension_that_ends_before_the_due_date(changes, field):
    # Review finding 6.
    rule = DeadlineRule.objects.get(jurisdiction__code="uk")
    for name, value in changes.items():
        setattr(rule, name, value)
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert field in refused.value.message_dict
    assert "after the first due date" in " ".join(refused.value.message_dict[field])


def test_a_deadline_rule_accepts_the_seeded_extensions_and_one_counted_from_the_due_date():
    for rule in DeadlineRule.objects.all():
        rule.full_clean()
    rule = DeadlineRule.objects.get(jurisdiction__code="uk")
    rule.extension_amount, rule.extension_from = 1, "due_date"  # one more month after the first
    rule.type_terms = {"withdrawal": {"respond": [15, "days"], "extension": [30, "days"]}}  # the help text's
    rule.full_clean()


def test_vietnam_counts_a_request_under_the_decree_in_force_when_it_was_received():
    vn = Jurisdiction.objects.get(code="vn")
    hanoi = ZoneInfo("Asia/Ho_Chi_Minh")
    # 31 December 2025 23:30 in Hanoi is still Decree 13/2023; 1 January 2026 00:10 is Decree 356/2025.
    assert "13/2023" in vn.rule_on(date(2025, 12, 31)).source
    assert vn.terms("access", datetime(2025, 12, 31, 23, 30, tzinfo=hanoi)).respond.unit == "hours"
    assert vn.terms("access", datetime(2026, 1, 1, 0, 10, tzinfo=hanoi)).acknowledge.unit == "working_days"
    # The same moment in UTC (16:30 and 17:10 on 31 December) falls on the Hanoi day that counts.
    assert vn.terms("access", datetime(2025, 12, 31, 17, 10, tzinfo=ZoneInfo("UTC"))).acknowledge.amount == 2


def test_a_day_before_every_version_falls_under_the_earliest():
    uk = Jurisdiction.objects.get(code="uk")
    assert uk.rule_on(date(2001, 1, 1)) == uk.rule_on(date(2018, 5, 25))


def test_the_migration_to_rule_versions_keeps_what_officers_changed():
    import importlib

    from apps.subject_requests.domain import Period, Terms, compute
    from apps.subject_requests.migrations._seed_0002 import JURISDICTIONS

    migration = importlib.import_module("apps.subject_requests.migrations.0004_deadline_rule_versions")
    seeded = {values["code"]: values for values in JURISDICTIONS}
    fields = migration.DEADLINE_FIELDS
    # Rows still as first seeded take today's corrected rules (three months from receipt for the UK).
    uk = migration.versions_for("uk", "UK GDPR", {field: seeded["uk"][field] for field in fields})
    assert [(v["extension_amount"], v["extension_unit"], v["extension_from"]) for v in uk] == [(3, "months", "receipt")]
    vn = migration.versions_for("vn", "Vietnam", {field: seeded["vn"][field] for field in fields})
    assert [v["effective_from"] for v in vn] == [date(2023, 7, 1), date(2026, 1, 1)]
    # A row an officer changed keeps its values and their meaning: the extension from the due date.
    changed = {field: seeded["eu"][field] for field in fields} | {"respond_amount": 2}
    [kept] = migration.versions_for("eu", "EU GDPR", changed)
    assert (kept["respond_amount"], kept["extension_amount"], kept["extension_from"]) == (2, 2, "due_date")
    terms = Terms(
        acknowledge=Period(5, "working_days"),
        respond=Period(2, "months"),
        extension=Period(2, "months"),
        extension_from=kept["extension_from"],
        roll_forward=True,
        pauses_clock=True,
        calendar="IE",
        timezone="Europe/Dublin",
    )
    # As before the migration: two months, then two more from that date.
    result = compute(terms, received_at=datetime(2026, 1, 15, 10, tzinfo=ZoneInfo("UTC")))
    assert (result.due_on, result.extended_due_on) == (date(2026, 3, 16), date(2026, 5, 15))


def test_the_migration_replays_past_deadline_values_into_the_rules_history():
    # Review finding 5: the jurisdiction's history rows lose their deadline columns; the values an
    # officer set, with who and when, are replayed as history of the rule version that carries them on.
    import importlib

    from apps.subject_requests.migrations._seed_0002 import JURISDICTIONS

    migration = importlib.import_module("apps.subject_requests.migrations.0004_deadline_rule_versions")
    seeded = {field: next(j for j in JURISDICTIONS if j["code"] == "eu")[field] for field in migration.DEADLINE_FIELDS}
    first, renamed, changed = (datetime(2026, 3, day, tzinfo=ZoneInfo("UTC")) for day in (1, 2, 3))
    past = [
        {"history_date": first, "history_user_id": None, "history_change_reason": None, **seeded},
        {"history_date": renamed, "history_user_id": 7, "history_change_reason": "Renamed", **seeded},
        {
            "history_date": changed,
            "history_user_id": 7,
            "history_change_reason": "Changed in the admin",
            **seeded,
            "respond_amount": 2,
        },
    ]
    versions = migration.versions_for("eu", "EU GDPR", {**seeded, "respond_amount": 2})
    rule = migration.carried_on_by(versions)
    rows = migration.replayed_history(past, rule)
    # The rename changed no deadline: two rows, each with its date, officer and reason.
    assert [(row["history_date"], row["history_user_id"], row["respond_amount"]) for row in rows] == [
        (first, None, 1),
        (changed, 7, 2),
    ]
    assert {row["history_type"] for row in rows} == {"~"}
    assert rows[1]["history_change_reason"].startswith("Changed in the admin")
    assert all(row["extension_from"] == "due_date" for row in rows)  # what an extension meant then
    assert (rows[0]["effective_from"], rows[0]["source"]) == (rule["effective_from"], rule["source"])
    # Vietnam's former single rule continues as Decree 356/2025, not Decree 13/2023.
    vn = {field: next(j for j in JURISDICTIONS if j["code"] == "vn")[field] for field in migration.DEADLINE_FIELDS}
    assert migration.carried_on_by(migration.versions_for("vn", "Vietnam", vn))["effective_from"] == date(2026, 1, 1)


def test_the_migration_writes_only_what_it_froze():
    # Review finding 10: 0004 imports nothing from the live seed, so later edits cannot change it.
    import importlib
    import inspect

    migration = importlib.import_module("apps.subject_requests.migrations.0004_deadline_rule_versions")
    assert "services" not in inspect.getsource(migration).replace("services/install.py", "")
    # Its rows say where they came from. (Read from the code, not the database: a transactional
    # test elsewhere may have flushed the tables, and tests/conftest.py then re-seeds them from the
    # live seed, whose history rows carry no such reason.)
    assert "history_change_reason=MIGRATION_REASON" in inspect.getsource(migration.copy_rules_forward)
    assert "do not define" in Jurisdiction.objects.get(code="us-ca").counsel_note


# --- Names in the reader's language (#16) ---------------------------------------------------------


@pytest.fixture
def renamed_uk() -> Jurisdiction:
    """An officer renamed the seeded UK jurisdiction and its authority: no catalogue knows the names."""
    uk = Jurisdiction.objects.get(code="uk")
    uk.name, uk.authority_name = "United Kingdom data protection law", "The UK regulator for data"
    uk.save()
    return uk


def test_a_renamed_jurisdiction_is_shown_in_vietnamese_from_its_own_field(client_as, customer, renamed_uk):
    from apps.subject_requests.services.intake import subject_request_create

    customer.country, customer.preferred_language = "GB", "vi"
    customer.save()
    request, _ = subject_request_create(request_type="complaint", channel="web_form", actor=customer, subject=customer)
    request.status, request.rejection_reason = request.Status.REJECTED, "Không đủ thông tin."
    request.save()
    renamed_uk.name_vi, renamed_uk.authority_name_vi = "Luật bảo vệ dữ liệu Vương quốc Anh", "Cơ quan dữ liệu Anh"
    renamed_uk.save()
    client = client_as("customer")

    chooser = client.get("/account/requests/new/").content.decode()
    detail = client.get(f"/account/requests/{request.reference}/").content.decode()
    status = client.get(f"/requests/{request.reference}/status/").content.decode()

    assert "(Luật bảo vệ dữ liệu Vương quốc Anh)" in chooser
    assert "Cơ quan dữ liệu Anh" in detail
    assert "Cơ quan dữ liệu Anh" in status
    for html in (chooser, detail, status):
        assert "United Kingdom data protection law" not in html
        assert "The UK regulator for data" not in html
    # In English, the names as the officer typed them.
    customer.preferred_language = "en"
    customer.save()
    english = client_as("customer").get(f"/account/requests/{request.reference}/").content.decode()
    assert "The UK regulator for data" in english


def test_without_its_own_vietnamese_a_seeded_name_comes_from_the_catalogue_and_a_new_one_as_typed(renamed_uk):
    from django.utils import translation

    vietnam = Jurisdiction.objects.get(code="vn")
    with translation.override("vi"):
        assert vietnam.display_name == translation.gettext(vietnam.name) != vietnam.name
        assert renamed_uk.display_name == "United Kingdom data protection law"
        assert renamed_uk.display_authority_name == "The UK regulator for data"
    renamed_uk.name_vi = "Luật Anh"
    with translation.override("vi"):
        assert renamed_uk.display_name == "Luật Anh"
    with translation.override("en"):
        assert renamed_uk.display_name == "United Kingdom data protection law"


def test_the_email_names_the_authority_in_the_requesters_language(customer, renamed_uk, mailoutbox):
    from apps.subject_requests.services.intake import subject_request_create
    from apps.subject_requests.services.requests import send_to_requester

    renamed_uk.authority_name_vi = "Cơ quan dữ liệu Anh"
    renamed_uk.save()
    request, _ = subject_request_create(
        request_type="complaint",
        channel="web_form",
        actor=customer,
        subject=customer,
        language="vi",
        jurisdiction=renamed_uk,
    )
    request.rejection_reason = "Không đủ thông tin."
    assert send_to_requester(request, "rejected")
    assert "Cơ quan dữ liệu Anh" in mailoutbox[-1].body
    assert "The UK regulator for data" not in mailoutbox[-1].body
