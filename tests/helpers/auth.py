"""Signing in through allauth's own pages, as a person does: email and password, then the
authenticator's code for staff. No session keys of allauth's are written by hand, so a test
breaks when the real sign-in does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.services import staff_roles_sync
from tests.factories import TEST_PASSWORD, UserFactory


def totp_code(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The authenticator app's code (RFC 6238: HMAC-SHA1 over the 30-second counter)."""
    counter = int((time.time() if at is None else at) // step)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def make_staff(email: str, role: str, *, authenticator: bool = True):
    """A staff member in ``role``, with an authenticator app set up (its secret on ``.totp_secret``)."""
    staff_roles_sync()
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if authenticator:
        add_authenticator(user)
    return user


def add_authenticator(user) -> str:
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
    user.totp_secret = secret
    return secret


class SignInFailed(AssertionError):
    pass


def sign_in(client: Client, user, *, password: str = TEST_PASSWORD, land: bool = True) -> Client:
    """Sign in on /accounts/login/, then give the second factor where the account has one.

    ``land=False`` stops before the page allauth redirects to, for a test about the first
    page a new device opens.
    """
    response = client.post(reverse("account_login"), {"login": user.email, "password": password, **_csrf(client)})
    if response.status_code != 302:
        raise SignInFailed(f"sign-in of {user.email} refused ({response.status_code})")
    if response["Location"].startswith(reverse("mfa_authenticate")):
        response = _second_factor(client, user)
    # Land where allauth sends the person, as a browser does: the page shows (and so
    # consumes) the "Successfully signed in" message, which would otherwise appear on
    # whichever page the test opens first.
    if land:
        client.get(response["Location"])
    return client


def _csrf(client: Client) -> dict[str, str]:
    """A client that enforces CSRF (as a browser) first loads the page, as a person does."""
    if not client.handler.enforce_csrf_checks:
        return {}
    client.get(reverse("account_login"))
    return {"csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value}


def _second_factor(client: Client, user) -> HttpResponse:
    # A code is accepted once per 30 seconds and user (allauth remembers used codes); a
    # test signing the same person in again uses the neighbouring window's code, which the
    # test settings accept (MFA_TOTP_TOLERANCE).
    now = time.time()
    for at in (now, now + 30, now - 30):
        code = {"code": totp_code(user.totp_secret, at=at), **_csrf(client)}
        response = client.post(reverse("mfa_authenticate"), code)
        if response.status_code == 302:
            return response
    raise SignInFailed(f"the second factor of {user.email} was refused")


def reauthenticate(client: Client, *, password: str = TEST_PASSWORD) -> Client:
    """Enter the password again on allauth's page, as pages that ask for it expect."""
    response = client.post(reverse("account_reauthenticate"), {"password": password, **_csrf(client)})
    if response.status_code != 302:
        raise SignInFailed(f"re-authentication refused ({response.status_code})")
    return client


def reauthenticate_second_factor(client: Client, user, *, next_url: str = "") -> HttpResponse:
    """Give a fresh code on allauth's MFA re-authentication page, as the admin's irreversible
    operations ask (apps.core.admin.reauthentication); returns allauth's redirect onwards.

    ``next_url`` is where the page was asked to send the person back (the redirect's URL
    carries it); without it, allauth's default.
    """
    url = reverse("mfa_reauthenticate")
    if next_url:
        url = next_url if next_url.startswith(url) else f"{url}?{urlencode({'next': next_url})}"
    now = time.time()
    for at in (now, now + 30, now - 30):
        response = client.post(url, {"code": totp_code(user.totp_secret, at=at), **_csrf(client)})
        if response.status_code == 302:
            return response
    raise SignInFailed(f"the re-authentication of {user.email} was refused")
