"""Who may do what in the admin: the table tests/core/test_permission_matrix.py checks.

Every registered model admin has an entry (by model label), and so does every other URL of
its ``get_urls()``, every action and every site-level page; the test fails, naming it, when one
is missing or when the admin answers otherwise. Anonymous visitors and customers may open no
admin URL at all, so they appear nowhere below; the test checks them against every URL too.

For a model admin:
  view    the list (GET and POST), the change page (GET), the history (GET and POST)
  add     the add page (GET and POST)
  change  the change page (POST); those who may change may view too
  delete  the delete page (GET and POST)
  history the history page, when it differs from ``view``
  views   each other URL name: ``Page(roles)``, or ``Page(get=…, post=…)`` when they differ
          (simple-history's page of one past version is read-only: nobody posts to it)
  actions each action: who is offered it on the list (GET) and whose POST runs it
"May" means the request gets past the checks: a page, a form's errors, a file, or a redirect
on success; refused is 403, 404, 405 or the way to the sign-in page.

The staff clients sign in with their second factor as the test starts, so the operations
that ask for a fresh one (apps.core.admin.reauthentication) go straight on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT

ANONYMOUS = "anonymous"
CUSTOMER = "customer"
SUPERUSER = "superuser"
ROLES = (ANONYMOUS, CUSTOMER, SUPPORT_AGENT, AUDITOR, PRIVACY_OFFICER, SUPERUSER)


def who(*roles: str) -> frozenset[str]:
    return frozenset(roles)


NOBODY = who()


@dataclass(frozen=True)
class Page:
    get: frozenset[str]
    post: frozenset[str] | None = None  # None: the same as ``get``

    @property
    def posters(self) -> frozenset[str]:
        return self.get if self.post is None else self.post


@dataclass(frozen=True)
class Admin:
    view: frozenset[str] = NOBODY
    add: frozenset[str] = NOBODY
    change: frozenset[str] = NOBODY
    delete: frozenset[str] = NOBODY
    history: frozenset[str] | None = None  # None: whoever may view or change
    views: Mapping[str, Page] = field(default_factory=dict)
    actions: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def viewers(self) -> frozenset[str]:
        return self.view | self.change

    @property
    def history_readers(self) -> frozenset[str]:
        return self.viewers if self.history is None else self.history


ADMINS: dict[str, Admin] = {
    "account.EmailAddress": Admin(
        view=who(SUPPORT_AGENT, PRIVACY_OFFICER, SUPERUSER),
        add=who(SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        delete=who(SUPERUSER),
        actions={
            "delete_selected": who(SUPERUSER),
            "make_verified": who(PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "accounts.HistoricalOrganisation": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "accounts.HistoricalPublicProfile": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "accounts.HistoricalUser": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "accounts.LoginEvent": Admin(
        view=who(SUPPORT_AGENT, AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "accounts.Organisation": Admin(
        view=who(SUPPORT_AGENT, AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        history=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        views={
            "accounts_organisation_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "accounts.User": Admin(
        view=who(SUPPORT_AGENT, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        # A customer is erased (the erase page), never deleted: nobody may delete one here.
        delete=NOBODY,
        # A live account's history is the live record: not for the Auditor (the view rule
        # shows them the historical-user list instead, without personal fields).
        history=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "accounts_user_simple_history": Page(who(PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
            "auth_user_password_change": Page(who(SUPERUSER)),  # setting it is signing in as them
            "accounts_user_staff_access": Page(who(SUPERUSER)),  # roles: superusers, staff accounts only
            "accounts_user_erase": Page(who(PRIVACY_OFFICER, SUPERUSER)),  # the subject page's Erase
            "accounts_user_export": Page(who(PRIVACY_OFFICER, SUPERUSER)),  # and Export
        },
        actions={
            "delete_selected": NOBODY,
            "erase_personal_data": who(PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "auth.Group": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        add=who(SUPERUSER),
        change=who(SUPERUSER),
        delete=who(SUPERUSER),
        actions={
            "delete_selected": who(SUPERUSER),
        },
    ),
    # Background jobs: officers see what failed for good and why; nobody edits a job by hand.
    "core.Job": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "breaches.Breach": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "breaches_breach_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
            "breaches_breach_assess": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "breaches_breach_close": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "breaches_breach_affected": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "breaches_breach_document": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
            "breaches_breach_submission": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "breaches_breach_notify": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "breaches_breach_publish": Page(who(PRIVACY_OFFICER, SUPERUSER)),
        },
        actions={
            "delete_selected": NOBODY,
            "export_csv": who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "breaches.ClockRule": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "breaches_clockrule_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "consent.ConsentEvent": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        views={
            "consent_evidence": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "consent_receipt": Page(who(PRIVACY_OFFICER, SUPERUSER)),
        },
        actions={
            "delete_selected": NOBODY,
            "export_csv": who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "consent.Mailing": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "consent_mailing_send": Page(who(PRIVACY_OFFICER, SUPERUSER)),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "consent.PolicyVersion": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "consent_policyversion_notices": Page(get=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
            "consent_policyversion_schedule_notice": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "consent_policyversion_resume_notice": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "consent_policyversion_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
            "schedule_notice_action": who(PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "consent.ProcessingRestriction": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "consent.Purpose": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "consent_purpose_rates": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
            "consent_purpose_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "consent.Suppression": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "disclosures.ChainAnchor": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "disclosures.CompelledRequest": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "disclosures_compelledrequest_approve": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "disclosures_compelledrequest_refuse": Page(who(PRIVACY_OFFICER, SUPERUSER)),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "disclosures.ContentAccessGrant": Admin(
        view=who(SUPPORT_AGENT, AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
            "end_access": who(PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "disclosures.Disclosure": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "disclosures_disclosure_verify": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
            "disclosures_disclosure_chart": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
            "disclosures_disclosure_import": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "disclosures_disclosure_visibility": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "disclosures_disclosure_amend": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "disclosures_disclosure_attach": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "disclosures_disclosure_attachment": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
        },
        actions={
            "delete_selected": NOBODY,
            "export_csv": who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "disclosures.HistoricalCompelledRequest": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "disclosures.HistoricalDisclosure": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "disclosures.HistoricalRecipient": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "disclosures.Recipient": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "disclosures_recipient_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "disclosures.StaffAccessEvent": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "mfa.Authenticator": Admin(  # set up by the person themself; a superuser deletes one to reset it
        view=who(PRIVACY_OFFICER, SUPERUSER),
        delete=who(SUPERUSER),
        actions={
            "delete_selected": who(SUPERUSER),
        },
    ),
    "personal_data.DataExport": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "personal_data.ErasureRun": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "personal_data_erasurerun_certificate": Page(get=who(PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
            "personal_data_erasurerun_certificate_json": Page(get=who(PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    # Billing (service_data): officers read invoices and payments; they change only through
    # the billing services, so nobody adds, changes or deletes them here.
    "service_data.Invoice": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.Payment": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    # The rest of the service's data: officers read it (support agents their support notes);
    # it changes only through the customer's pages and the app's services.
    "service_data.CalendarEntry": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "service_data_calendarentry_simple_history": Page(who(PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.CallRecord": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.ContentItem": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.LocationRecord": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.OptionalKindRefusal": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.ProductConfiguration": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.SharedPost": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.SupportCommunication": Admin(
        view=who(SUPPORT_AGENT, PRIVACY_OFFICER, SUPERUSER),
        views={
            "service_data_supportcommunication_simple_history": Page(who(PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        history=who(PRIVACY_OFFICER, SUPERUSER),  # past versions are officers' (view_historical*)
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "service_data.UsageEvent": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "retention.AccountDeletion": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "retention.HistoricalLegalHold": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "retention.HistoricalRetentionRule": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "api.ApiClient": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            # POST only: a link or a prefetch must not rotate or revoke a key.
            "api_apiclient_rotate": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "api_apiclient_revoke": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "api_apiclient_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "api.WebhookSubscription": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            # POST only: a link or a prefetch must not make a new secret.
            "api_webhooksubscription_rotate": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "api_webhooksubscription_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "retention.LegalHold": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "retention_legalhold_release": Page(who(PRIVACY_OFFICER, SUPERUSER)),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "retention.PurgeRun": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        views={
            "retention_purgerun_preview": Page(get=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
            "retention_purgerun_run": Page(who(PRIVACY_OFFICER, SUPERUSER)),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "retention.RetentionRule": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "retention_retentionrule_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "socialaccount.SocialAccount": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        add=who(SUPERUSER),
        change=who(SUPERUSER),
        delete=who(SUPERUSER),
        actions={
            "delete_selected": who(SUPERUSER),
        },
    ),
    "socialaccount.SocialApp": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        add=who(SUPERUSER),
        change=who(SUPERUSER),
        delete=who(SUPERUSER),
        actions={
            "delete_selected": who(SUPERUSER),
        },
    ),
    "socialaccount.SocialToken": Admin(  # tokens come from sign-ins; a superuser deletes one to revoke it
        view=who(PRIVACY_OFFICER, SUPERUSER),
        delete=who(SUPERUSER),
        actions={
            "delete_selected": who(SUPERUSER),
        },
    ),
    "subject_requests.Jurisdiction": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "subject_requests_jurisdiction_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "subject_requests.DeadlineRule": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "subject_requests_deadlinerule_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
        },
    ),
    "systems.PropagationTask": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        # Its change page's POST closes the task with a reason or ticks it off (close permission).
        change=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "systems_propagationtask_simple_history": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={"delete_selected": NOBODY},
    ),
    "systems.SystemSecret": Admin(
        view=who(PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        actions={"delete_selected": NOBODY},
    ),
    "subject_requests.SubjectRequest": Admin(
        view=who(AUDITOR, PRIVACY_OFFICER, SUPERUSER),
        add=who(PRIVACY_OFFICER, SUPERUSER),
        views={
            "subject_requests_subjectrequest_step": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "subject_requests_subjectrequest_message": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "subject_requests_subjectrequest_note": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "subject_requests_subjectrequest_rectify": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "subject_requests_subjectrequest_intake": Page(who(PRIVACY_OFFICER, SUPERUSER)),
            "subject_requests_subjectrequest_attach": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "subject_requests_subjectrequest_assign_me": Page(get=NOBODY, post=who(PRIVACY_OFFICER, SUPERUSER)),
            "subject_requests_subjectrequest_attachment": Page(get=who(PRIVACY_OFFICER, SUPERUSER), post=NOBODY),
        },
        actions={
            "delete_selected": NOBODY,
            "assign_to": who(PRIVACY_OFFICER, SUPERUSER),
        },
    ),
    "usersessions.UserSession": Admin(  # made by signing in; a superuser deletes one to end it
        view=who(PRIVACY_OFFICER, SUPERUSER),
        delete=who(SUPERUSER),
        actions={
            "delete_selected": who(SUPERUSER),
        },
    ),
}

# Site-level pages (register_site_view), by URL name.
SITE_VIEWS: dict[str, Page] = {
    "personal_data_finder": Page(who(PRIVACY_OFFICER, SUPERUSER)),
    "personal_data_map": Page(who(PRIVACY_OFFICER, SUPERUSER)),
    "personal_data_records_of_processing": Page(who(PRIVACY_OFFICER, SUPERUSER)),
    "disclosures_staff_content": Page(get=who(PRIVACY_OFFICER), post=who(SUPPORT_AGENT, PRIVACY_OFFICER, SUPERUSER)),
    "disclosures_staff_picture": Page(NOBODY),
    "disclosures_staff_end": Page(get=NOBODY, post=who(SUPPORT_AGENT, AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
    # Opens one of the customer's files: only for the staff member holding an active grant, and
    # no role's probe holds one (tests/service_data/test_staff_access.py opens it with a grant).
    "service_data_staff_file": Page(NOBODY),
    "statistics": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
    "statistics_csv": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
    "subject_requests_dashboard": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
    "subject_requests_dashboard_csv": Page(who(AUDITOR, PRIVACY_OFFICER, SUPERUSER)),
}
