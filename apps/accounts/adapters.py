from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.http import client_ip, site_url


class SiteFromSettings:
    """What allauth's email templates read as ``current_site``: the portal at SITE_URL, not
    whichever host name the request that triggered the email came in by."""

    def __init__(self) -> None:
        from urllib.parse import urlsplit

        from apps.accounts.selectors import organisation_get

        self.domain = urlsplit(settings.SITE_URL).netloc
        controller = organisation_get()
        self.name = controller.name if controller else self.domain


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth builds its links (activate_url, password_reset_url, signup_url…) from the
        # request's host; every link we send is built from SITE_URL instead.
        on_site = {
            key: site_url(value)
            for key, value in context.items()
            if key.endswith("_url") and isinstance(value, str) and value.startswith(("http://", "https://", "/"))
        }
        super().send_mail(template_prefix, email, {**context, **on_site, "current_site": SiteFromSettings()})

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_url(super().get_reset_password_from_key_url(key))

    def get_client_ip(self, request):
        # allauth's rate limits and session list key on the same address as the project's own limits.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def get_login_redirect_url(self, request):
        # Staff land on the admin; customers on Your Account.
        if request.user.is_authenticated and request.user.is_staff:
            return "/admin/"
        return super().get_login_redirect_url(request)


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """A sign-in provider the deployment has no credentials for: allauth still catches it as
    a missing app, and a visitor who follows /accounts/<provider>/login/ gets a 404, not a 500."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist as exc:
            raise ProviderNotConfigured(f"No credentials for {provider}") from exc

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = (data.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))).strip()
        user.full_name = name[:150]
        language = (get_language() or "en")[:2]
        user.preferred_language = language if language in dict(settings.LANGUAGES) else "en"
        return user


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form in the portal's wording (ACCOUNT_FORMS["login"]).

    Here and not in apps.accounts.forms: allauth.account.forms imports that module for the
    sign-up form's base class, so a subclass of allauth's forms there would be an import cycle.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in on this device")
