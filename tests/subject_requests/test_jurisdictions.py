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
