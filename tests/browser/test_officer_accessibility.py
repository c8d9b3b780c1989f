"""axe-core on every admin page an officer uses, as an officer and as an auditor: no critical
or serious violation (issue 15). The pages hold real rows (a request, a hold, a disclosure, an
erasure with its certificate) so that lists and forms show what they show in use."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse
from playwright.sync_api import Browser

from apps.core.actors import SystemActor
from apps.personal_data.erasure.run import erasure_carry_out_here, erasure_start
from tests.browser.accessibility import axe_violations_with_impact
from tests.browser.test_disclosures_journey import _officer_session
from tests.disclosures.factories import RecipientFactory
from tests.factories import LoginEventFactory, UserFactory
from tests.helpers.holds import hold_on
from tests.helpers.requests import file_request

pytestmark = pytest.mark.usefixtures("transactional_db")
SERIOUS = {"critical", "serious"}


def _rows(officer, customer):
    LoginEventFactory(user=customer)
    request = file_request(customer)
    hold = hold_on(customer, officer)
    RecipientFactory(name="Mailing House Ltd", category="processor", country="GB")
    gone = UserFactory()
    with TestCase.captureOnCommitCallbacks(execute=False):
        run = erasure_start(subject=gone, actor=SystemActor("tests"), reason="test")
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = erasure_carry_out_here(run)
    return request, hold, run


def _pages(request, hold, run, customer) -> dict[str, list[str]]:
    shared = [
        reverse("admin:index"),
        reverse("admin:subject_requests_subjectrequest_changelist"),
        reverse("admin:subject_requests_subjectrequest_changelist") + "?queue=overdue",
        reverse("admin:subject_requests_subjectrequest_change", args=[request.pk]),
        reverse("admin:retention_legalhold_changelist"),
        reverse("admin:disclosures_disclosure_changelist"),
        reverse("admin:statistics"),
        reverse("admin:subject_requests_dashboard"),
        reverse("admin:consent_consentevent_changelist"),
        reverse("admin:disclosures_recipient_changelist"),
        reverse("admin:disclosures_recipient_changelist") + "?agreement=ending",
        reverse("admin:consent_policyversion_changelist"),
        reverse("admin:disclosures_disclosure_chart"),
        reverse("admin:retention_legalhold_changelist") + "?review_due=yes",
    ]
    officer_only = [
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[customer.pk]),
        reverse("admin:accounts_user_erase", args=[customer.pk]),
        reverse("admin:accounts_user_export", args=[customer.pk]),
        reverse("admin:retention_legalhold_add") + f"?subject={customer.pk}",
        reverse("admin:retention_legalhold_change", args=[hold.pk]),
        reverse("admin:disclosures_disclosure_add"),
        reverse("admin:personal_data_erasurerun_certificate", args=[run.pk]),
        reverse("admin:personal_data_erasurerun_change", args=[run.pk]),
        reverse("admin:retention_purgerun_changelist"),
        reverse("admin:core_job_changelist"),
        reverse("admin:core_job_changelist") + "?health=failed",
        reverse("admin:consent_evidence", kwargs={"reference": customer.reference}),
        reverse("admin:disclosures_compelledrequest_add"),
        reverse("admin:consent_purpose_rates"),
        reverse("admin:disclosures_disclosure_verify"),
        reverse("admin:consent_mailing_changelist"),
    ]
    return {"officer": shared + officer_only, "auditor": shared}


@pytest.mark.parametrize("persona", ["officer", "auditor"])
def test_officer_pages_have_no_serious_axe_violations(
    live_server, browser: Browser, request, persona, officer, customer
):
    staff = request.getfixturevalue(persona)
    rows = _rows(officer, customer)
    page = _officer_session(browser, live_server.url, staff)
    found = []
    for path in _pages(*rows, customer)[persona]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"
        found += axe_violations_with_impact(page, SERIOUS)
    assert not found, "\n".join(found)
