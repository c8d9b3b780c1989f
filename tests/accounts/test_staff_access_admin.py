"""Staff access in the user admin (issue 13, finding 8): no one edits it in the user form; a
superuser changes a staff account's role or superuser status as its own audited step, and
never a customer account's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT
from apps.accounts.models import User
from tests.helpers import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    user = make_staff("root@example.test", PRIVACY_OFFICER)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


def _form_as_posted(page) -> dict:
    """What a browser posts back from an admin change page, unchanged."""
    data: dict = {}
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if not value:  # nothing to post: unset, unticked, or an empty file field
            continue
        if hasattr(field, "widget") and field.widget.__class__.__name__ == "SplitDateTimeWidget":
            data[f"{name}_0"], data[f"{name}_1"] = (
                (value.date().isoformat(), value.time().isoformat()) if hasattr(value, "date") else value
            )
            continue
        data[name] = "on" if value is True else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value not in (None, False):
                    data[inline_form.add_prefix(name)] = "on" if value is True else value
    return data


def _access(user: User) -> tuple:
    user.refresh_from_db()
    return (user.is_staff, user.is_superuser, sorted(user.groups.values_list("name", flat=True)))


# --- The user form: staff access read-only for everyone -----------------------------------------


@pytest.mark.parametrize("persona", ["officer", "superuser"])
def test_it_ignores_staff_access_posted_to_the_user_form(client_as, customer, persona):
    client = client_as(persona)
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    page = client.get(url)
    data = _form_as_posted(page)
    data.update(
        full_name="Casey Renamed",  # the form does save: only staff access is out of its reach
        is_staff="on",
        is_superuser="on",
        groups=[Group.objects.get(name=PRIVACY_OFFICER).pk],
        user_permissions=[p.pk for p in Group.objects.get(name=PRIVACY_OFFICER).permissions.all()[:3]],
    )

    response = client.post(url, data)

    assert response.status_code == 302, getattr(response, "context", {}) and response.context["adminform"].form.errors
    assert User.objects.get(pk=customer.pk).full_name == "Casey Renamed"
    assert _access(customer) == (False, False, [])
    assert not customer.user_permissions.exists()


def test_it_keeps_an_officer_from_changing_a_customers_address(client_as, customer):
    # Whoever sets the address can reset the password to it and sign in as the customer.
    client = client_as("officer")
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    data = _form_as_posted(client.get(url))
    data.update(email="officer-owned@example.test", full_name="Casey Renamed")

    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.email, customer.full_name) == ("customer@example.test", "Casey Renamed")


def test_it_shows_staff_access_read_only_on_the_user_page(client_as, support_agent):
    page = client_as("officer").get(reverse("admin:accounts_user_change", args=[support_agent.pk]))
    form_fields = page.context["adminform"].form.fields
    assert {"is_staff", "is_superuser", "groups", "user_permissions"}.isdisjoint(form_fields)
    assert "staff-access" not in page.content.decode()  # the link is for superusers


def _add(client, email: str):
    url = reverse("admin:accounts_user_add")
    data = _form_as_posted(client.get(url))
    password = "a-long-enough-password-42"
    data.update(email=email, full_name="New Person", is_staff="on", password1=password, password2=password)
    return client.post(url, data)


def test_it_lets_only_a_superuser_add_a_staff_account(client_as):
    officer_response = _add(client_as("officer"), "new@example.test")
    assert officer_response.status_code == 302, officer_response.context["adminform"].form.errors
    assert User.objects.get(email="new@example.test").is_staff is False

    response = _add(client_as("superuser"), "new-staff@example.test")
    assert response.status_code == 302
    assert User.objects.get(email="new-staff@example.test").is_staff is True


# --- The staff-access step: superusers only, staff accounts only --------------------------------


def _staff_access_url(user: User) -> str:
    return reverse("admin:accounts_user_staff_access", args=[user.pk])


@pytest.mark.parametrize("persona", ["officer", "support_agent", "auditor", "customer"])
def test_it_refuses_the_staff_access_step_to_anyone_but_a_superuser(client_as, support_agent, persona):
    client = client_as(persona)
    before = _access(support_agent)

    assert client.get(_staff_access_url(support_agent)).status_code in (403, 302)
    response = client.post(
        _staff_access_url(support_agent),
        {"role": PRIVACY_OFFICER, "is_superuser": "on", "reason": "promotion", "confirm": "yes"},
    )

    expected = 302 if persona == "customer" else 403  # a customer is sent to the sign-in page
    assert response.status_code == expected
    assert _access(support_agent) == before


def test_it_refuses_a_role_or_superuser_on_a_customer_account(client_as, customer):
    client = client_as("superuser")
    versions = customer.history.count()

    page = client.get(_staff_access_url(customer))
    assert page.status_code == 200
    assert "customer account" in page.content.decode()
    assert "form" not in page.context or page.context.get("form") is None

    response = client.post(
        _staff_access_url(customer),
        {"role": PRIVACY_OFFICER, "is_superuser": "on", "reason": "make them staff", "confirm": "yes"},
    )

    assert response.status_code == 400
    assert "This is a customer account" in response.content.decode()
    assert _access(customer) == (False, False, [])
    assert customer.history.count() == versions


def test_it_refuses_a_superuser_their_own_access(client_as, superuser):
    response = client_as("superuser").post(
        _staff_access_url(superuser), {"role": "", "reason": "step down", "confirm": "yes"}
    )
    assert response.status_code == 400
    assert _access(superuser) == (True, True, [PRIVACY_OFFICER])


def test_it_changes_a_staff_role_after_a_confirmation_with_the_actor_and_reason_in_history(
    client_as, superuser, support_agent
):
    client = client_as("superuser")
    page = client.get(_staff_access_url(support_agent))
    assert page.status_code == 200
    assert page.context["form"].initial["role"] == SUPPORT_AGENT

    change = {"role": AUDITOR, "reason": "moved to the audit team, ticket 42"}
    confirmation = client.post(_staff_access_url(support_agent), change)
    assert confirmation.status_code == 200
    assert confirmation.context["confirming"] is True
    assert _access(support_agent) == (True, False, [SUPPORT_AGENT])  # nothing yet

    done = client.post(_staff_access_url(support_agent), {**change, "confirm": "yes"})

    assert done.status_code == 302
    assert _access(support_agent) == (True, False, [AUDITOR])
    version = support_agent.history.latest("history_date")
    assert version.history_user == superuser
    assert "Support agent" in version.history_change_reason
    assert "Auditor" in version.history_change_reason
    assert "moved to the audit team, ticket 42" in version.history_change_reason


def test_it_needs_a_reason(client_as, support_agent):
    response = client_as("superuser").post(
        _staff_access_url(support_agent), {"role": AUDITOR, "reason": "  ", "confirm": "yes"}
    )
    assert response.status_code == 400
    assert _access(support_agent) == (True, False, [SUPPORT_AGENT])


def test_it_answers_404_for_an_id_that_is_not_a_key(client_as):
    assert client_as("superuser").get(reverse("admin:accounts_user_changelist") + "x1/staff-access/").status_code == 404


# --- Staff accounts: changed in the admin by superusers only ----------------------------------


def test_it_keeps_an_officer_from_setting_a_staff_members_password(client_as, superuser):
    url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    password = "an-officer-chose-this-99"
    response = client_as("officer").post(url, {"password1": password, "password2": password})

    assert response.status_code == 403
    superuser.refresh_from_db()
    assert not superuser.check_password(password)


def test_it_shows_a_staff_members_page_read_only_to_an_officer(client_as, support_agent):
    client = client_as("officer")
    url = reverse("admin:accounts_user_change", args=[support_agent.pk])
    assert client.get(url).context["has_change_permission"] is False
    assert client.post(url, {"email": "officer-owned@example.test"}).status_code == 403
    support_agent.refresh_from_db()
    assert support_agent.email == "support@example.test"


def test_it_confirms_with_the_page_a_superuser_is_shown(client_as, support_agent):
    """The confirmation page carries the change: posting its own form makes it."""
    client = client_as("superuser")
    user_page = client.get(reverse("admin:accounts_user_change", args=[support_agent.pk])).content.decode()
    assert _staff_access_url(support_agent) in user_page  # the link on the staff member's page

    confirmation = client.post(
        _staff_access_url(support_agent), {"role": PRIVACY_OFFICER, "is_superuser": "", "reason": "cover for leave"}
    ).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirmation))
    assert hidden["confirm"] == "yes"

    done = client.post(_staff_access_url(support_agent), hidden)

    assert done.status_code == 302
    assert _access(support_agent) == (True, False, [PRIVACY_OFFICER])
