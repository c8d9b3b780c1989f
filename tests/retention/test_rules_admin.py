"""Retention rules in the admin: officers change them, with history; nobody deletes them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.retention.models import RetentionRule

pytestmark = pytest.mark.django_db

# --- Rules ---------------------------------------------------------------------------------------


def rule_form(rule: RetentionRule, **changes) -> dict:
    fields = (
        *("enabled", "order", "target", "category", "trigger", "period", "unit", "age_field", "action"),
        *("warning_days", "legal_basis", "title_en", "title_vi", "explanation_en", "explanation_vi"),
    )
    data = {name: getattr(rule, name) for name in fields}
    data.update(changes)
    if not data["enabled"]:
        data.pop("enabled")
    return data


def test_an_officer_changes_a_rule_and_the_history_names_them(client_as, officer):
    rule = RetentionRule.objects.get(code="login-history")
    client = client_as("officer")
    page = client.get(reverse("admin:retention_retentionrule_change", args=[rule.pk])).content.decode()
    assert "verified with counsel" in page

    response = client.post(reverse("admin:retention_retentionrule_change", args=[rule.pk]), rule_form(rule, period=18))

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.period == 18
    record = rule.history.first()
    assert record.history_user == officer
    assert record.period == 18


def test_a_rule_the_purge_could_not_carry_out_is_a_form_error(client_as):
    rule = RetentionRule.objects.get(code="login-history")
    client = client_as("officer")
    url = reverse("admin:retention_retentionrule_change", args=[rule.pk])

    wrong_field = client.post(url, rule_form(rule, age_field="no_such_field"))
    not_inactivity = client.post(url, rule_form(rule, warning_days="30,7"))
    bad_numbers = client.post(url, rule_form(rule, warning_days="soon"))

    for response in (wrong_field, not_inactivity, bad_numbers):
        assert response.status_code == 200
        assert response.context["adminform"].form.errors
    assert "Name a date field of this model" in wrong_field.content.decode()
    assert "Only inactivity rules send warnings" in not_inactivity.content.decode()
    rule.refresh_from_db()
    assert (rule.age_field, rule.warning_days) == ("occurred_at", "")


def test_rules_are_never_deleted_and_auditors_only_read_them(client_as):
    rule = RetentionRule.objects.first()
    assert client_as("officer").get(reverse("admin:retention_retentionrule_delete", args=[rule.pk])).status_code == 403
    auditor = client_as("auditor")
    assert auditor.get(reverse("admin:retention_retentionrule_change", args=[rule.pk])).status_code == 200
    assert (
        auditor.post(reverse("admin:retention_retentionrule_change", args=[rule.pk]), rule_form(rule)).status_code
        == 403
    )
    assert auditor.get(reverse("admin:retention_retentionrule_history", args=[rule.pk])).status_code == 200


def test_it_filters_and_searches_rules(client_as):
    client = client_as("officer")
    response = client.get(reverse("admin:retention_retentionrule_changelist"), {"trigger__exact": "account_inactive"})
    assert {r.trigger for r in response.context["cl"].result_list} == {"account_inactive"}
    response = client.get(reverse("admin:retention_retentionrule_changelist"), {"q": "login-history"})
    assert [r.code for r in response.context["cl"].result_list] == ["login-history"]
