"""Second factors, sessions and social sign-in in the admin (allauth's admins, re-registered):
officers see who has what, and no page shows a secret: not a TOTP key, a session key, a
provider's token or (to those who may not change it) a provider's client secret."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import add_authenticator, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    person = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    add_authenticator(person)
    return sign_in(client, person)


@pytest.mark.parametrize("persona", ["officer", "superuser"])
def test_no_one_reads_a_second_factors_secret(client_as, superuser_client, second_officer, persona):
    client = superuser_client if persona == "superuser" else client_as("officer")
    authenticator = Authenticator.objects.get(user=second_officer)
    listing = client.get(reverse("admin:mfa_authenticator_changelist"))
    page = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
    assert listing.status_code == page.status_code == 200
    assert second_officer.email in listing.content.decode()
    assert second_officer.totp_secret not in page.content.decode()


@pytest.fixture
def google(customer):
    app = SocialApp.objects.create(provider="google", name="Google", client_id="portal-client", secret="app-secret-42")
    account = SocialAccount.objects.create(user=customer, provider="google", uid="1234")
    token = SocialToken.objects.create(app=app, account=account, token="ya29.access-token-value", token_secret="ts")
    return app, token


def test_an_officer_sees_social_sign_in_but_no_token_or_client_secret(client_as, google):
    app, token = google
    client = client_as("officer")
    pages = [
        client.get(reverse("admin:socialaccount_socialtoken_changelist")),
        client.get(reverse("admin:socialaccount_socialtoken_change", args=[token.pk])),
        client.get(reverse("admin:socialaccount_socialapp_change", args=[app.pk])),
    ]
    assert [page.status_code for page in pages] == [200, 200, 200]
    body = "".join(page.content.decode() for page in pages)
    assert "portal-client" in body
    assert "ya29" not in body
    assert "app-secret-42" not in body


def test_a_superuser_still_edits_the_client_secret(superuser_client, google):
    app, _token = google
    page = superuser_client.get(reverse("admin:socialaccount_socialapp_change", args=[app.pk]))
    assert 'name="secret"' in page.content.decode()


@pytest.mark.parametrize("persona", ["officer", "superuser"])
def test_sessions_are_searched_by_email_and_show_no_session_key(client_as, superuser_client, second_officer, persona):
    # allauth's admin searched user__username, which this User lacks: every search was a 500.
    client = superuser_client if persona == "superuser" else client_as("officer")
    colleague = sign_in(Client(), second_officer)
    session = UserSession.objects.get(user=second_officer)
    assert session.session_key == colleague.session.session_key
    listing = client.get(reverse("admin:usersessions_usersession_changelist"), {"q": second_officer.email})
    page = client.get(reverse("admin:usersessions_usersession_change", args=[session.pk]))
    assert listing.status_code == page.status_code == 200
    assert str(session.ip) in listing.content.decode()
    assert session.session_key not in listing.content.decode() + page.content.decode()
