"""Staff roles: three permission groups, re-synced after every migrate to exactly their patterns."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, ROLE_PERMISSIONS, SUPPORT_AGENT
from apps.accounts.services import staff_roles_sync

pytestmark = pytest.mark.django_db


def test_it_has_the_three_role_groups_after_migrate():
    assert set(
        Group.objects.filter(name__in=[PRIVACY_OFFICER, SUPPORT_AGENT, AUDITOR]).values_list("name", flat=True)
    ) == {
        PRIVACY_OFFICER,
        SUPPORT_AGENT,
        AUDITOR,
    }
    # post_migrate already attached their permissions.
    assert Group.objects.get(name=SUPPORT_AGENT).permissions.filter(codename="view_user").exists()


def _snapshot() -> dict[str, set[str]]:
    return {
        group.name: {
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
        }
        for group in Group.objects.filter(name__in=ROLE_PERMISSIONS)
    }


def test_it_syncs_staff_roles_idempotently():
    staff_roles_sync()
    first = _snapshot()
    group_count = Group.objects.count()
    staff_roles_sync()
    staff_roles_sync()
    assert _snapshot() == first
    assert Group.objects.count() == group_count
    assert all(first[role] for role in ROLE_PERMISSIONS)


def test_it_restores_a_role_after_tampering():
    staff_roles_sync()
    expected = _snapshot()
    support = Group.objects.get(name=SUPPORT_AGENT)
    support.permissions.add(Permission.objects.get(codename="delete_user"))
    Group.objects.get(name=AUDITOR).delete()
    staff_roles_sync()
    assert _snapshot() == expected


def test_it_gives_each_role_the_intended_permissions():
    staff_roles_sync()
    perms = _snapshot()
    assert {"accounts.view_user", "accounts.change_user", "accounts.view_historicaluser"} <= perms[PRIVACY_OFFICER]
    assert "accounts.view_user" in perms[SUPPORT_AGENT]
    # Reading only, except asking a customer for access to their content (P-24).
    assert {p for p in perms[SUPPORT_AGENT] if not p.split(".")[1].startswith("view_")} == {
        "disclosures.add_contentaccessgrant"
    }
    assert not {p for p in perms[SUPPORT_AGENT] if p.startswith("disclosures.view_disclosure")}
    assert not {p for p in perms[SUPPORT_AGENT] if "historical" in p}
    assert "accounts.view_historicaluser" in perms[AUDITOR]
    assert "accounts.view_user" not in perms[AUDITOR]
    assert not {p for p in perms[AUDITOR] if not p.split(".")[1].startswith("view_")}
    # Retention (P-40..P-42): officers edit rules and holds and start purges; nothing there is deleted.
    assert {
        "retention.change_retentionrule",
        "retention.add_legalhold",
        "retention.change_legalhold",
        "retention.run_purge",
        "retention.view_purgerun",
        "retention.view_accountdeletion",
    } <= perms[PRIVACY_OFFICER]
    assert not {p for p in perms[PRIVACY_OFFICER] if p.startswith("retention.delete_")}
    assert {"retention.view_retentionrule", "retention.view_legalhold", "retention.view_purgerun"} <= perms[AUDITOR]
    assert not {p for p in perms[SUPPORT_AGENT] if p.startswith("retention.")}
    # Subject requests (P-30, P-31): officers record, handle and approve, and keep the jurisdictions;
    # nothing is deleted or edited as a row. Auditors view (subjects pseudonymised); support none.
    assert {
        "subject_requests.view_subjectrequest",
        "subject_requests.add_subjectrequest",
        "subject_requests.handle_subjectrequest",
        "subject_requests.approve_subjectrequest",
        "subject_requests.change_jurisdiction",
        "subject_requests.view_historicaljurisdiction",
        "subject_requests.add_deadlinerule",
        "subject_requests.change_deadlinerule",
        "subject_requests.view_historicaldeadlinerule",
    } <= perms[PRIVACY_OFFICER]
    assert not {
        p for p in perms[PRIVACY_OFFICER] if p.startswith(("subject_requests.delete_", "subject_requests.change_subj"))
    }
    assert {p for p in perms[AUDITOR] if p.startswith("subject_requests.")} == {
        "subject_requests.view_subjectrequest",
        "subject_requests.view_jurisdiction",
        "subject_requests.view_historicaljurisdiction",
        "subject_requests.view_deadlinerule",
        "subject_requests.view_historicaldeadlinerule",
    }
    assert not {p for p in perms[SUPPORT_AGENT] if p.startswith("subject_requests.")}
