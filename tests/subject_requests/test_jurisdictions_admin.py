"""Jurisdictions in the admin: each law's deadlines, editable by officers, with history."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from apps.subject_requests.models import Jurisdiction

pytestmark = pytest.mark.django_db


# --- Jurisdictions -----------------------------------------------------------------------------------


def jurisdiction_form(jurisdiction, **overrides):
    data = {
        "name": jurisdiction.name,
        "counsel_note": jurisdiction.counsel_note,
        "authority_name": jurisdiction.authority_name,
        "authority_url": jurisdiction.authority_url,
        "acknowledge_amount": jurisdiction.acknowledge_amount,
        "acknowledge_unit": jurisdiction.acknowledge_unit,
        "respond_amount": jurisdiction.respond_amount,
        "respond_unit": jurisdiction.respond_unit,
        "extension_amount": jurisdiction.extension_amount,
        "extension_unit": jurisdiction.extension_unit,
        "roll_forward": "on" if jurisdiction.roll_forward else "",
        "pauses_clock": "on" if jurisdiction.pauses_clock else "",
        "type_terms": json.dumps(jurisdiction.type_terms),
        "calendar": jurisdiction.calendar,
        "timezone": jurisdiction.timezone,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_it_tells_officers_to_verify_seeded_jurisdictions_with_counsel(client_as):
    uk = Jurisdiction.objects.get(code="uk")
    body = client_as("officer").get(reverse("admin:subject_requests_jurisdiction_change", args=[uk.pk])).content
    assert b"verify with counsel" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"calendar": "XX"}, "calendar", "no calendar by this code"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
        ({"type_terms": '{"withdrawal": {"respond": [15, "weeks"]}}'}, "type_terms", "[amount, unit]"),
        ({"type_terms": '{"everything": {}}'}, "type_terms", "Unknown request type"),
    ],
)
def test_it_shows_jurisdiction_validation_as_form_errors(client_as, overrides, field, message):
    uk = Jurisdiction.objects.get(code="uk")
    url = reverse("admin:subject_requests_jurisdiction_change", args=[uk.pk])
    response = client_as("officer").post(url, jurisdiction_form(uk, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    uk.refresh_from_db()
    assert uk.calendar == "GB-ENG"


def test_it_records_jurisdiction_changes_in_their_history(client_as, officer):
    uk = Jurisdiction.objects.get(code="uk")
    url = reverse("admin:subject_requests_jurisdiction_change", args=[uk.pk])
    response = client_as("officer").post(url, jurisdiction_form(uk, counsel_note="Checked with counsel, 2026-03"))
    assert response.status_code == 302
    latest = uk.history.order_by("-history_date").first()
    assert (latest.counsel_note, latest.history_user) == ("Checked with counsel, 2026-03", officer)
    history = client_as("auditor").get(reverse("admin:subject_requests_jurisdiction_history", args=[uk.pk]))
    assert history.status_code == 200
    assert client_as("auditor").post(url, jurisdiction_form(uk, name="Changed")).status_code == 403
    assert (
        client_as("officer").get(reverse("admin:subject_requests_jurisdiction_delete", args=[uk.pk])).status_code == 403
    )
