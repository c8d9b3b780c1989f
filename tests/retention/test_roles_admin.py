"""Who may open the retention admin's pages (rules, holds, purge runs, deletions), by role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT
from apps.accounts.services import staff_roles_sync as sync_staff_roles

pytestmark = pytest.mark.django_db

LISTS = (
    "admin:retention_retentionrule_changelist",
    "admin:retention_legalhold_changelist",
    "admin:retention_purgerun_changelist",
    "admin:retention_accountdeletion_changelist",
    "admin:retention_purgerun_preview",
)


# --- Who may do what -------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "expected"), [("officer", 200), ("auditor", 200), ("support_agent", 403)])
def test_it_shows_the_retention_pages_to_officers_and_auditors_only(client_as, persona, expected):
    client = client_as(persona)
    for name in LISTS:
        assert client.get(reverse(name)).status_code == expected, name


@pytest.mark.parametrize("persona", ["customer", "anonymous"])
def test_it_sends_non_staff_to_sign_in(client_as, persona):
    for name in LISTS:
        response = client_as(persona).get(reverse(name))
        assert response.status_code == 302
        assert "login" in response.url


@pytest.mark.parametrize(("persona", "expected"), [("officer", 200), ("auditor", 403), ("support_agent", 403)])
def test_only_officers_may_add_rules_and_holds_or_run_the_purge(client_as, persona, expected):
    client = client_as(persona)
    assert client.get(reverse("admin:retention_retentionrule_add")).status_code == expected
    assert client.get(reverse("admin:retention_legalhold_add")).status_code == expected
    assert client.get(reverse("admin:retention_purgerun_run")).status_code == expected


def test_the_roles_hold_the_retention_permissions():
    from django.contrib.auth.models import Group

    sync_staff_roles()

    def perms(role):
        group = Group.objects.get(name=role)
        return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    officer, auditor, support = perms(PRIVACY_OFFICER), perms(AUDITOR), perms(SUPPORT_AGENT)
    assert {
        "retention.view_retentionrule",
        "retention.add_retentionrule",
        "retention.change_retentionrule",
        "retention.view_legalhold",
        "retention.add_legalhold",
        "retention.change_legalhold",
        "retention.run_purge",
        "retention.view_purgerun",
        "retention.view_accountdeletion",
    } <= officer
    # Nothing in retention is deleted, and runs and deletions are written only by the purge.
    assert not {p for p in officer if p.startswith("retention.delete_")}
    assert "retention.change_purgerun" not in officer
    assert {"retention.view_retentionrule", "retention.view_legalhold", "retention.view_purgerun"} <= auditor
    assert all(p.split(".")[1].startswith("view_") for p in auditor if p.startswith("retention."))
    assert not {p for p in support if p.startswith("retention.")}
