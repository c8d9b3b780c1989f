"""Staff roles as permission groups.

The groups are created by a data migration; their permissions are re-synced after
every migrate (``sync_staff_roles``) so a model added by a later app joins the role
that should see it without another data migration. Each later capability adds its
patterns here, next to the reason.
"""

from __future__ import annotations

from fnmatch import fnmatch

PRIVACY_OFFICER = "Privacy officer"
SUPPORT_AGENT = "Support agent"
AUDITOR = "Auditor"

# Apps whose data the portal owns; officers hold every permission on them.
PROJECT_APPS = (
    "accounts",
    "core",
    "consent",
    "disclosures",
    "personal_data",
)

# Patterns over "<app_label>.<codename>".
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    PRIVACY_OFFICER: (
        *(f"{app}.*" for app in PROJECT_APPS),
        # Subject requests (P-30, P-31): officers record, handle and approve them (a second
        # officer approves what one sent for approval) and keep the jurisdictions' deadlines;
        # requests change only through the admin's steps, and nothing there is deleted.
        "subject_requests.view_*",
        "subject_requests.add_subjectrequest",
        "subject_requests.handle_subjectrequest",
        "subject_requests.approve_subjectrequest",
        "subject_requests.add_jurisdiction",
        "subject_requests.change_jurisdiction",
        # Retention (P-40..P-42): officers change rules and place and release holds, start a
        # purge, and read runs and account deletions; nothing there is deleted or edited by hand.
        "retention.view_*",
        "retention.add_retentionrule",
        "retention.change_retentionrule",
        "retention.add_legalhold",
        "retention.change_legalhold",
        "retention.run_purge",
        "account.view_*",
        "account.change_emailaddress",
        "socialaccount.view_*",
        "mfa.view_authenticator",
        "usersessions.view_*",
        "admin.view_logentry",
        "auth.view_group",
    ),
    # Reads customer records to help them; no export, erasure, disclosures or history.
    # No subject requests either: complaints and the reasons behind erasure or rectification
    # are for the officers who handle them; the customer follows their own requests in
    # Your Account, and support passes a new one on as an officer's intake.
    SUPPORT_AGENT: (
        "accounts.view_user",
        "accounts.view_loginevent",
        "accounts.view_publicprofile",
        "accounts.view_organisation",
        "account.view_emailaddress",
        # Asks a customer for access to their content (P-24); sees the grants in the admin.
        "disclosures.add_contentaccessgrant",
        "disclosures.view_contentaccessgrant",
    ),
    # Reads ledgers and change history only, never the live customer record.
    AUDITOR: (
        "accounts.view_historical*",
        "accounts.view_loginevent",
        "accounts.view_organisation",
        "admin.view_logentry",
        # Audits who looked at which customer, and under which grant (P-25).
        "disclosures.view_staffaccessevent",
        "disclosures.view_contentaccessgrant",
        # The disclosure register and its evidence (P-21..P-23); subjects appear there only
        # as pseudonymous references.
        "disclosures.view_disclosure",
        "disclosures.view_recipient",
        "disclosures.view_historical*",
        "disclosures.view_compelledrequest",
        "disclosures.view_chainanchor",
        # Consent evidence (P-14): the ledger, the purposes and policy versions as they were.
        "consent.view_consentevent",
        "consent.view_purpose",
        "consent.view_policyversion",
        "consent.view_mailing",
        "consent.view_historical*",
        # Retention: the rules and their history, legal holds (subjects shown by pseudonymous
        # reference), purge runs and account deletions.
        "retention.view_retentionrule",
        "retention.view_legalhold",
        "retention.view_purgerun",
        "retention.view_accountdeletion",
        "retention.view_historical*",
        # Subject requests: the list and pages with subjects as pseudonymous references (no
        # messages, notes, files or what was asked), the deadlines' rules and their history,
        # and the dashboard, to audit that requests are answered in time.
        "subject_requests.view_subjectrequest",
        "subject_requests.view_jurisdiction",
        "subject_requests.view_historicaljurisdiction",
    ),
}


def permission_matches(role: str, app_label: str, codename: str) -> bool:
    key = f"{app_label}.{codename}"
    return any(fnmatch(key, pattern) for pattern in ROLE_PERMISSIONS[role])


def sync_staff_roles(**kwargs: object) -> None:
    """Give each role group exactly the permissions its patterns match (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    permissions = list(Permission.objects.select_related("content_type"))
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [p for p in permissions if permission_matches(role, p.content_type.app_label, p.codename)]
        group.permissions.set(wanted)
