"""The erasure certificate as a document: a one-screen summary in words (what was erased, what
was kept, why and until when, the holds), printable, the JSON behind a link, and the tables that
held nothing folded away on the run's page."""

from __future__ import annotations

import json

import pytest
from django.test import TestCase
from django.urls import reverse

from apps.core.actors import SystemActor
from apps.personal_data.erasure.run import erasure_carry_out_here, erasure_start
from apps.personal_data.models import ErasureRun
from tests.factories import LoginEventFactory, UserFactory
from tests.helpers.holds import hold_on

pytestmark = pytest.mark.django_db


def erase(user) -> ErasureRun:
    with TestCase.captureOnCommitCallbacks(execute=False):
        run = erasure_start(subject=user, actor=SystemActor("tests"), reason="test erasure")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return erasure_carry_out_here(run)


def certificate_url(run: ErasureRun, name: str = "certificate") -> str:
    return reverse(f"admin:personal_data_erasurerun_{name}", args=[run.pk])


@pytest.mark.parametrize(("persona", "status"), [("officer", 200), ("auditor", 403), ("support_agent", 403)])
def test_it_shows_the_certificate_to_officers_only(client_as, persona, status):
    run = erase(UserFactory())
    client = client_as(persona)
    assert client.get(certificate_url(run)).status_code == status
    assert client.get(certificate_url(run, "certificate_json")).status_code == status


def test_it_summarises_in_words_without_naming_the_person(client_as, officer):
    subject = UserFactory()
    LoginEventFactory.create_batch(3, user=subject)
    hold_on(subject, officer, categories=["financial"])
    run = erase(subject)
    page = client_as("officer").get(certificate_url(run)).content.decode()
    erased = page.split('id="certificate-erased"', 1)[1].split("</section>", 1)[0]
    assert "Login events" in erased
    kept = page.split('id="certificate-kept"', 1)[1].split("</section>", 1)[0]
    assert "legal obligation" in kept
    assert "5 years after the account ends" in kept
    holds = page.split('id="certificate-holds"', 1)[1].split("</section>", 1)[0]
    assert "Litigation" in holds
    assert subject.email not in page
    # Database words stay in the JSON: the summary speaks of kinds of record.
    assert "accounts_loginevent" not in page.split('id="certificate-untouched"', 1)[0]
    assert "legal_obligation" not in page
    assert "@media print" in page
    assert 'id="certificate-untouched"' in page  # the tables with nothing of theirs, folded


def test_it_serves_the_json_behind_a_link_and_folds_empty_tables_on_the_run_page(client_as):
    run = erase(UserFactory())
    client = client_as("officer")
    data = json.loads(client.get(certificate_url(run, "certificate_json")).content)
    assert data == run.certificate
    page = client.get(reverse("admin:personal_data_erasurerun_change", args=[run.pk])).content.decode()
    assert certificate_url(run) in page
    assert certificate_url(run, "certificate_json") in page
    assert "<details><summary>" in page
    assert "<pre>" not in page  # no wall of JSON on the page


def test_it_refuses_a_post_and_a_bad_id(client_as):
    run = erase(UserFactory())
    client = client_as("officer")
    assert client.post(certificate_url(run)).status_code == 403
    bad = reverse("admin:personal_data_erasurerun_certificate", args=["not-a-number"])
    assert client.get(bad).status_code == 404


def test_a_run_not_yet_finished_or_failed_has_no_certificate_to_print(client_as):
    """The officer lands here right after starting an erasure: the page must not read as a
    certificate saying nothing was erased."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        run = erasure_start(subject=UserFactory(), actor=SystemActor("tests"), reason="test erasure")
    client = client_as("officer")
    page = client.get(certificate_url(run)).content.decode()
    assert 'id="certificate-not-ready"' in page
    assert "has not finished yet" in page
    assert 'id="certificate-erased"' not in page
    ErasureRun.objects.filter(pk=run.pk).update(status=ErasureRun.Status.FAILED)
    page = client.get(certificate_url(run)).content.decode()
    assert "This erasure failed" in page
    assert 'id="certificate-kept"' not in page
