"""The register for officers: intake, history, search and filters, the regulator's CSV, the
assessment and the authority's document with every Art. 33(3) item."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.breaches.models import AuthoritySubmission, Breach, BreachClock
from apps.breaches.services.notices import authority_submission_record, breach_public_notice_publish
from apps.breaches.services.register import breach_close, breach_save
from tests.breaches.helpers import open_breach

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:breaches_breach_changelist")


def _form(officer, **overrides):
    aware = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    data = {
        "title": "Support inbox forwarded outside",
        "officer": officer.pk,
        "aware_at_0": aware.strftime("%Y-%m-%d"),
        "aware_at_1": aware.strftime("%H:%M:%S"),
        "occurred_at_0": "",
        "occurred_at_1": "",
        "discovered_how": "A customer told us",
        "description": "A forwarding rule sent support mail to a former contractor.",
        "categories": '["communications", "contact"]',
        "jurisdictions": '["uk", "eu"]',
        "contact_point": "dpo@example.test",
    }
    return {**data, **overrides}


def test_an_officer_opens_a_breach_and_its_clocks_start(client_as, officer):
    response = client_as("officer").post(reverse("admin:breaches_breach_add"), _form(officer))
    assert response.status_code == 302, response.content.decode()[:2000]
    breach = Breach.objects.get()
    assert breach.number.startswith("BR-")
    assert {c.rule.jurisdiction.code for c in breach.clocks.all()} == {"uk", "eu"}
    page = client_as("officer").get(reverse("admin:breaches_breach_change", args=[breach.pk]))
    assert "68 hours left" in page.content.decode() or "69 hours left" in page.content.decode()


def test_it_refuses_bad_intake_with_clear_errors(client_as, officer):
    future = timezone.now() + timedelta(days=2)
    response = client_as("officer").post(
        reverse("admin:breaches_breach_add"),
        _form(officer, categories='["secrets"]', aware_at_0=future.strftime("%Y-%m-%d")),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown data categories: secrets" in body
    assert "cannot be in the future" in body
    assert "Support inbox forwarded outside" in body  # what was typed is kept
    assert not Breach.objects.exists()


def test_every_change_is_in_the_history_and_a_closed_breach_stays_as_closed(officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=1), jurisdictions=[])
    breach.consequences = "Phishing aimed at the people in the backup."
    breach_save(breach=breach, actor=officer, reason="consequences added")
    with pytest.raises(ValidationError, match="decision"):
        breach_close(breach=breach, actor=officer)
    breach.decision, breach.decision_reasoning = Breach.Decision.NOT_REQUIRED, "Encrypted; key safe."
    breach_save(breach=breach, actor=officer, reason="decided")
    breach_close(breach=breach, actor=officer)
    reasons = list(breach.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["opened", "consequences added", "decided", "closed"]
    breach.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        breach_save(breach=breach, actor=officer, reason="late edit")


def test_it_will_not_close_while_a_notification_is_owed(officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=1), jurisdictions=["uk"])
    breach.decision, breach.decision_reasoning = Breach.Decision.NOTIFY, "Customers' addresses exposed."
    breach_save(breach=breach, actor=officer, reason="decided")
    with pytest.raises(ValidationError, match="still owed"):
        breach_close(breach=breach, actor=officer)


@pytest.mark.parametrize(("persona", "status"), [("officer", 200), ("auditor", 200), ("support_agent", 403)])
def test_the_register_list_searches_and_filters_for_who_may_see_it(client_as, officer, persona, status):
    open_breach(officer, aware_at=timezone.now() - timedelta(hours=1), title="Lost laptop")
    open_breach(officer, aware_at=timezone.now() - timedelta(hours=2), title="Misdirected letters")
    response = client_as(persona).get(CHANGELIST, {"q": "laptop", "status__exact": "open"})
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "Lost laptop" in body
        assert "Misdirected letters" not in body


def test_the_register_exports_as_csv_for_a_regulator(client_as, officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5), jurisdictions=["uk"])
    authority_submission_record(
        clock=breach.clocks.get(),
        phase=AuthoritySubmission.Phase.INITIAL,
        submitted_at=timezone.now() - timedelta(hours=1),
        method=AuthoritySubmission.Method.ONLINE_FORM,
        authority_reference="ICO-123",
        actor=officer,
    )
    response = client_as("officer").post(CHANGELIST, {"action": "export_csv", "_selected_action": [breach.pk]})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Number", "Title", "Status"]
    assert rows[1][0] == breach.number
    assert "ICO-123" in rows[1][rows[0].index("Authorities notified (when, reference)")]


def test_the_authority_document_has_every_article_33_3_item(client_as, officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5), jurisdictions=["uk"])
    breach.consequences = "Targeted phishing."
    breach.measures_taken = "Bucket closed; keys rotated."
    breach.measures_proposed = "Alerting on public buckets."
    breach.approx_records = 1200
    breach_save(breach=breach, actor=officer, reason="details")
    body = client_as("officer").get(reverse("admin:breaches_breach_document", args=[breach.pk])).content.decode()
    for item in (
        "Nature of the breach",
        "Categories of personal data",
        "People concerned",
        "1200",
        "dpo@example.test",
        "Targeted phishing.",
        "Bucket closed; keys rotated.",
        "Alerting on public buckets.",
        "Information Commissioner",
    ):
        assert item in body


def test_a_later_phase_needs_the_first_and_a_phased_rule(officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5), jurisdictions=["uk"])
    clock = breach.clocks.get()
    with pytest.raises(ValidationError, match="initial notification first"):
        authority_submission_record(
            clock=clock, phase="follow_up", submitted_at=timezone.now(), method="email", actor=officer
        )
    authority_submission_record(
        clock=clock, phase="initial", submitted_at=timezone.now(), method="email", actor=officer
    )
    authority_submission_record(
        clock=clock, phase="follow_up", submitted_at=timezone.now(), method="email", actor=officer
    )
    clock.refresh_from_db()
    assert clock.status == BreachClock.Status.MET
    assert clock.submissions.count() == 2


def test_the_assessment_page_records_the_risk(client_as, officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5), jurisdictions=["uk"])
    response = client_as("officer").post(
        reverse("admin:breaches_breach_assess", args=[breach.pk]),
        {"sensitivity": "high", "people": 40, "ease_of_identification": "high", "severity": "high", "notes": "x"},
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.risk == "high"
    bad = client_as("officer").post(reverse("admin:breaches_breach_assess", args=[breach.pk]), {"people": -1})
    assert bad.status_code == 200
    assert "This field is required" in bad.content.decode()


def test_the_public_notice_shows_only_once_published(client, officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5))
    url = reverse("breaches:notice", args=[breach.reference])
    assert client.get(url).status_code == 404
    breach.notice_summary_en, breach.notice_advice_en = "Letters went to old addresses.", "Tell us if one reached you."
    breach.notice_summary_vi = "Thư đã được gửi đến địa chỉ cũ."
    breach_save(breach=breach, actor=officer, reason="notice written")
    breach_public_notice_publish(breach=breach, actor=officer)
    page = client.get(url)
    assert page.status_code == 200
    assert "Letters went to old addresses." in page.content.decode()
    vietnamese = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
    assert "Thư đã được gửi" in vietnamese.content.decode()


def test_the_register_list_reads_every_breachs_clocks_in_fixed_queries(
    client_as, officer, django_assert_max_num_queries
):
    client = client_as("officer")
    open_breach(officer, aware_at=timezone.now() - timedelta(hours=1))
    client.get(CHANGELIST)
    with django_assert_max_num_queries(40) as few:
        client.get(CHANGELIST)
    for hours in range(2, 7):
        open_breach(officer, aware_at=timezone.now() - timedelta(hours=hours))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CHANGELIST)
    assert response.content.decode().count("hours left") == 6


def test_an_auditor_reads_a_breach_without_the_officers_steps(client_as, officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=1))
    page = client_as("auditor").get(reverse("admin:breaches_breach_change", args=[breach.pk])).content.decode()
    assert "hours left" in page
    assert "Assess the risk" not in page


def test_the_people_page_counts_then_freezes_and_sends_a_large_set_to_the_command(client_as, officer, monkeypatch):
    from apps.breaches.admin import people
    from apps.breaches.models import AffectedSet
    from tests.factories import UserFactory
    from tests.service_data.factories import CallRecordFactory

    for country in ("GB", "VN"):
        CallRecordFactory(owner=UserFactory(country=country))
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=1))
    url = reverse("admin:breaches_breach_affected", args=[breach.pk])
    client = client_as("officer")
    counted = client.post(url, {"models": ["service_data.CallRecord"], "preview": "1"}).content.decode()
    assert "2 people found" in counted
    assert not AffectedSet.objects.exists()
    monkeypatch.setattr(people, "ADMIN_FREEZE_LIMIT", 1)
    refused = client.post(url, {"models": ["service_data.CallRecord"], "freeze": "1"}).content.decode()
    assert f"manage.py breach_affected {breach.number}" in refused
    monkeypatch.setattr(people, "ADMIN_FREEZE_LIMIT", 20_000)
    assert client.post(url, {"models": ["service_data.CallRecord"], "freeze": "1"}).status_code == 302
    assert AffectedSet.objects.get().by_jurisdiction == {"uk": 1, "vn": 1}
    bad = client.post(url, {"accounts": _upload(b"nobody@example.test\n"), "preview": "1"}).content.decode()
    assert "Row 1: no account matches it." in bad


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("accounts.csv", data, "text/csv")
