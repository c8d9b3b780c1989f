"""The admin: a second factor for every staff member, and each role sees only its part (P-05, P-25)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, ROLE_PERMISSIONS, SUPPORT_AGENT
from apps.accounts.models import LoginEvent, Organisation, User
from apps.accounts.services import organisation_update, staff_roles_sync, user_update_details
from tests.conftest import sign_in
from tests.factories import LoginEventFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_INDEX = reverse("admin:index")


@pytest.fixture
def organisation(officer) -> Organisation:
    return organisation_update(
        actor=officer,
        name="Portal Ltd",
        company_number="01234567",
        address="1 Example Road, London",
        contact_email="privacy@portal.example",
    )


@pytest.fixture
def records(customer, other_customer):
    """Something to list: login events and a history entry for the customer."""
    LoginEventFactory(user=customer, ip_address="198.51.100.1", succeeded=True)
    LoginEventFactory(user=other_customer, ip_address="198.51.100.2", succeeded=False)
    user_update_details(user=customer, actor=customer, full_name="Casey Changed")
    return customer


# --- The MFA gate -------------------------------------------------------------------------


def test_it_sends_staff_without_an_authenticator_to_set_one_up(client):
    staff = UserFactory(email="new-staff@example.test", is_staff=True)
    staff.groups.add(Group.objects.get(name=PRIVACY_OFFICER))
    sign_in(client, staff)
    for url in (ADMIN_INDEX, reverse("admin:accounts_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp") + "?next=")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Staff must set up an authenticator app before using the admin." in messages


def test_it_sends_staff_whose_session_skipped_mfa_to_reauthenticate(client, officer):
    sign_in(client, officer, mfa=False)
    url = reverse("admin:accounts_user_changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_it_does_not_let_a_customer_into_the_admin(client_as):
    client = client_as("customer")
    response = client.get(ADMIN_INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # Following the redirects ends on a refusal or the sign-in page, never an admin page or a loop.
    final = client.get(ADMIN_INDEX, follow=True)
    assert final.status_code in (200, 403)
    if final.status_code == 200:
        assert final.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "Privacy operations" not in final.content.decode()


def test_it_sends_anonymous_visitors_to_allauths_sign_in(client):
    response = client.get(reverse("admin:accounts_user_changelist"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_it_does_not_let_a_customer_open_admin_pages_directly(client_as, customer):
    client = client_as("customer")
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[customer.pk]),
        reverse("admin:accounts_historicaluser_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_it_lets_staff_in_after_mfa(client_as):
    response = client_as("officer").get(ADMIN_INDEX)
    assert response.status_code == 200
    assert "Privacy operations" in response.content.decode()


# --- What each role may open ------------------------------------------------------------------


def _url(name: str, customer: User, organisation: Organisation) -> str:
    if name in {"admin:accounts_user_change", "admin:accounts_user_history"}:
        return reverse(name, args=[customer.pk])
    if name == "admin:accounts_organisation_change":
        return reverse(name, args=[organisation.pk])
    return reverse(name)


ACCESS = [
    # (role, url name, expected status)
    ("officer", "admin:index", 200),
    ("officer", "admin:accounts_user_changelist", 200),
    ("officer", "admin:accounts_user_change", 200),
    ("officer", "admin:accounts_user_history", 200),
    ("officer", "admin:accounts_loginevent_changelist", 200),
    ("officer", "admin:accounts_organisation_change", 200),
    ("officer", "admin:accounts_historicaluser_changelist", 200),
    ("officer", "admin:accounts_historicalpublicprofile_changelist", 200),
    ("officer", "admin:accounts_historicalorganisation_changelist", 200),
    ("support_agent", "admin:index", 200),
    ("support_agent", "admin:accounts_user_changelist", 200),
    ("support_agent", "admin:accounts_user_change", 200),
    ("support_agent", "admin:accounts_loginevent_changelist", 200),
    ("support_agent", "admin:accounts_organisation_change", 200),
    ("support_agent", "admin:accounts_user_history", 403),
    ("support_agent", "admin:accounts_historicaluser_changelist", 403),
    ("support_agent", "admin:accounts_historicalpublicprofile_changelist", 403),
    ("support_agent", "admin:accounts_historicalorganisation_changelist", 403),
    ("support_agent", "admin:accounts_user_add", 403),
    ("auditor", "admin:index", 200),
    ("auditor", "admin:accounts_user_changelist", 403),
    ("auditor", "admin:accounts_user_change", 403),
    ("auditor", "admin:accounts_historicaluser_changelist", 200),
    ("auditor", "admin:accounts_historicalpublicprofile_changelist", 200),
    ("auditor", "admin:accounts_historicalorganisation_changelist", 200),
    ("auditor", "admin:accounts_loginevent_changelist", 200),
    ("auditor", "admin:accounts_organisation_change", 200),
    ("auditor", "admin:accounts_user_add", 403),
]


@pytest.mark.parametrize(("role", "url_name", "expected"), ACCESS, ids=[f"{r}-{u.split(':')[1]}" for r, u, _ in ACCESS])
def test_it_gives_each_role_exactly_its_pages(client_as, customer, organisation, records, role, url_name, expected):
    response = client_as(role).get(_url(url_name, customer, organisation))
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["officer", "support_agent", "auditor"])
def test_it_never_offers_add_change_or_delete_on_login_events(client_as, customer, records, role):
    client = client_as(role)
    event = LoginEvent.objects.filter(user=customer).first()
    assert client.get(reverse("admin:accounts_loginevent_add")).status_code == 403
    assert client.get(reverse("admin:accounts_loginevent_delete", args=[event.pk])).status_code == 403
    response = client.post(reverse("admin:accounts_loginevent_change", args=[event.pk]), {"succeeded": "on"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_it_keeps_history_read_only_even_for_roles_that_see_it(client_as, records, role):
    client = client_as(role)
    record = records.history.first()
    assert client.get(reverse("admin:accounts_historicaluser_add")).status_code == 403
    assert client.get(reverse("admin:accounts_historicaluser_delete", args=[record.pk])).status_code == 403


def test_it_shows_history_with_its_author(client_as, records):
    response = client_as("auditor").get(reverse("admin:accounts_historicaluser_changelist"))
    assert response.status_code == 200
    change = next(r for r in response.context["cl"].result_list if r.history_change_reason == "details changed")
    assert change.history_user == records
    assert change.full_name == "Casey Changed"
    assert "details changed" in response.content.decode()


# --- Officer: search and filters ---------------------------------------------------------------


def test_it_lets_an_officer_search_users(client_as, customer, other_customer):
    client = client_as("officer")
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "customer@example"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [customer]

    by_name = client.get(reverse("admin:accounts_user_changelist"), {"q": "Olu"})
    assert list(by_name.context["cl"].result_list) == [other_customer]

    by_reference = client.get(reverse("admin:accounts_user_changelist"), {"q": str(customer.reference)})
    assert by_reference.status_code == 200
    assert customer in list(by_reference.context["cl"].result_list)


def test_it_lets_an_officer_filter_users(client_as, customer, officer):
    closed = UserFactory(email="gone@example.test", status="closed", closed_at=timezone.now())
    client = client_as("officer")

    response = client.get(reverse("admin:accounts_user_changelist"), {"status__exact": "closed"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [closed]

    staff = client.get(reverse("admin:accounts_user_changelist"), {"is_staff__exact": "1"})
    assert list(staff.context["cl"].result_list) == [officer]

    group = Group.objects.get(name=PRIVACY_OFFICER)
    in_group = client.get(reverse("admin:accounts_user_changelist"), {"groups__id__exact": group.pk})
    assert list(in_group.context["cl"].result_list) == [officer]

    vietnamese = UserFactory(email="viet@example.test", country="VN")
    country = client.get(reverse("admin:accounts_user_changelist"), {"country": "VN"})
    assert country.status_code == 200
    assert list(country.context["cl"].result_list) == [vietnamese]


def test_it_lets_an_officer_search_and_filter_login_events(client_as, customer, records):
    client = client_as("officer")
    failed = client.get(reverse("admin:accounts_loginevent_changelist"), {"succeeded__exact": "0"})
    assert failed.status_code == 200
    assert [e.ip_address for e in failed.context["cl"].result_list] == ["198.51.100.2"]

    found = client.get(reverse("admin:accounts_loginevent_changelist"), {"q": "customer@example.test"})
    assert [e.user for e in found.context["cl"].result_list] == [customer]


def test_it_lets_an_auditor_search_user_history(client_as, records):
    response = client_as("auditor").get(reverse("admin:accounts_historicaluser_changelist"), {"q": "details changed"})
    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert results
    assert all(r.history_change_reason == "details changed" for r in results)


# --- Support agent: read-only ---------------------------------------------------------------


def test_it_shows_the_user_page_read_only_to_a_support_agent(client_as, customer):
    client = client_as("support_agent")
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()

    response = client.post(url, {"email": customer.email, "full_name": "Changed By Support", "status": "active"})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.full_name == "Casey Customer"


def test_it_hides_the_delete_action_from_a_support_agent(client_as, customer):
    response = client_as("support_agent").get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    assert client_as("support_agent").get(reverse("admin:accounts_user_delete", args=[customer.pk])).status_code == 403


def test_it_refuses_a_bulk_delete_posted_by_a_support_agent(client_as, customer):
    response = client_as("support_agent").post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    # Not an action this role has: nothing runs, the list comes back without a confirmation step.
    assert response.status_code == 200
    assert "Are you sure?" not in response.content.decode()
    assert User.objects.filter(pk=customer.pk).exists()


def test_it_offers_the_delete_action_to_an_officer(client_as):
    response = client_as("officer").get(reverse("admin:accounts_user_changelist"))
    assert "delete_selected" in response.content.decode()


# --- Organisation: one row ---------------------------------------------------------------------


def test_it_sends_the_organisation_list_to_the_single_row(client_as, organisation):
    response = client_as("officer").get(reverse("admin:accounts_organisation_changelist"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_organisation_change", args=[organisation.pk])


def test_it_refuses_a_second_organisation(client_as, organisation):
    client = client_as("officer")
    assert client.get(reverse("admin:accounts_organisation_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "Second Ltd", "address": "Elsewhere", "contact_email": "x@second.example"},
    )
    assert response.status_code == 403
    assert Organisation.objects.count() == 1


def test_it_lets_an_officer_create_the_first_organisation_only(client_as):
    client = client_as("officer")
    listing = client.get(reverse("admin:accounts_organisation_changelist"))
    assert listing.status_code == 200
    response = client.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "Portal Ltd", "address": "1 Example Road", "contact_email": "privacy@portal.example"},
    )
    assert response.status_code == 302
    assert Organisation.objects.count() == 1
    assert client.get(reverse("admin:accounts_organisation_add")).status_code == 403


def test_it_never_deletes_the_organisation(client_as, organisation):
    response = client_as("officer").get(reverse("admin:accounts_organisation_delete", args=[organisation.pk]))
    assert response.status_code == 403


def test_it_refuses_organisation_changes_to_support_and_auditors(client_as, organisation):
    for role in ("support_agent", "auditor"):
        response = client_as(role).post(
            reverse("admin:accounts_organisation_change", args=[organisation.pk]),
            {"name": "Hijack Ltd", "address": "x", "contact_email": "x@example.test"},
        )
        assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Portal Ltd"


# --- Roles -----------------------------------------------------------------------------


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
    } <= perms[PRIVACY_OFFICER]
    assert not {
        p for p in perms[PRIVACY_OFFICER] if p.startswith(("subject_requests.delete_", "subject_requests.change_subj"))
    }
    assert {p for p in perms[AUDITOR] if p.startswith("subject_requests.")} == {
        "subject_requests.view_subjectrequest",
        "subject_requests.view_jurisdiction",
        "subject_requests.view_historicaljurisdiction",
    }
    assert not {p for p in perms[SUPPORT_AGENT] if p.startswith("subject_requests.")}


def test_it_lists_each_customer_country_once_in_the_filter(client_as):
    from tests.factories import UserFactory

    UserFactory(country="VN")
    UserFactory(country="VN")
    page = client_as("officer").get("/admin/accounts/user/").content.decode()
    assert page.count("?country=VN") == 1


def test_the_admins_change_password_link_leads_to_the_sign_in_pages_own_form(client_as):
    client = client_as("officer")
    page = client.get(ADMIN_INDEX).content.decode()
    assert reverse("admin:password_change") in page
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
    assert client.get(response["Location"]).status_code == 200
