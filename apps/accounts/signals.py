"""Login history (P-03): every sign-in, successful or not, becomes a LoginEvent."""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from apps.accounts.models import LoginEvent, User
from apps.accounts.services import login_event_record
from apps.core.http import client_ip


def _method_for(sociallogin) -> str:
    if sociallogin is None:
        return LoginEvent.Method.PASSWORD
    provider = sociallogin.account.provider
    return provider if provider in LoginEvent.Method.values else LoginEvent.Method.OTHER


@receiver(user_logged_in, dispatch_uid="accounts.login_succeeded")
def record_login_succeeded(sender, request, user, sociallogin=None, **kwargs) -> None:
    login_event_record(
        user=user,
        method=_method_for(sociallogin),
        succeeded=True,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "") if request is not None else "",
    )


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The attempted address is not stored: for an unknown address it is not ours to keep.
    email = (credentials or {}).get("email") or (credentials or {}).get("username") or ""
    user = User.objects.filter(email__iexact=str(email).strip()).first() if email else None
    login_event_record(
        user=user,
        method=LoginEvent.Method.PASSWORD,
        succeeded=False,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "") if request is not None else "",
    )
