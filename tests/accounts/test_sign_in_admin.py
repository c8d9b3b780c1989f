"""Staff signing in to the admin: a second factor for every staff member, one sign-in page for all (P-25)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.domain import PRIVACY_OFFICER
from tests.factories import UserFactory
from tests.helpers import add_authenticator, make_staff, sign_in

pytestmark = pytest.mark.django_db


ADMIN_INDEX = reverse("admin:index")


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


def test_it_sends_staff_whose_session_skipped_mfa_to_reauthenticate(client):
    # Signed in before their authenticator was set up: the session never passed a second factor.
    officer = make_staff("officer@example.test", PRIVACY_OFFICER, authenticator=False)
    sign_in(client, officer)
    add_authenticator(officer)
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


def test_the_admins_change_password_link_leads_to_the_sign_in_pages_own_form(client_as):
    client = client_as("officer")
    page = client.get(ADMIN_INDEX).content.decode()
    assert reverse("admin:password_change") in page
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
    assert client.get(response["Location"]).status_code == 200
