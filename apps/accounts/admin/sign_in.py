"""Signing in: login history under the view rule, and allauth's admins re-registered with least
privilege and no secret on any page."""

import ipaddress

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.socialaccount.admin import SocialAppAdmin as AllauthSocialAppAdmin
from allauth.socialaccount.admin import SocialTokenAdmin as AllauthSocialTokenAdmin
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.usersessions.admin import UserSessionAdmin as AllauthUserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.domain import DEVICE_KINDS
from apps.accounts.models import LoginEvent
from apps.core.admin import (
    FieldViewRuleMixin,
    ReadOnlyAdmin,
    account_filter,
)


class DeviceKindFilter(admin.SimpleListFilter):
    """The kinds of device the sign-in records name. Django's filter over the column's values
    would read all ten million sign-ins (SELECT DISTINCT) on every view of the list."""

    title = _("device")
    parameter_name = "device"

    def lookups(self, request, model_admin):
        return [*((kind, gettext(kind)) for kind in DEVICE_KINDS), ("other", gettext("Other or unknown"))]

    def queryset(self, request, queryset):
        if self.value() in DEVICE_KINDS:
            return queryset.filter(device=self.value())
        if self.value() == "other":
            return queryset.exclude(device__in=DEVICE_KINDS)
        return queryset


@admin.register(LoginEvent)
class LoginEventAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    """Sign-ins, for officers and support; auditors see them under the view rule (when, how,
    whether they failed; staff by name, customers as "a customer")."""

    person_fields = ("user",)
    list_display = (
        "occurred_at",
        "user",
        "method",
        "succeeded",
        "ip_address",
        "device",
        "browser",
        "operating_system",
    )
    list_filter = ("succeeded", "method", DeviceKindFilter, account_filter("user"))
    search_fields = ("user__email", "ip_address")  # get_search_results does the matching
    search_help_text = _("A whole email address or IP address.")
    date_hierarchy = "occurred_at"
    list_select_related = ("user",)
    list_per_page = 100
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """A whole address or IP address, each found by an index among ten million sign-ins."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            ip = ipaddress.ip_address(term)
        except ValueError:
            return queryset.filter(user__email=term.lower()), False
        return queryset.filter(ip_address=str(ip)), False


class EmailAddressAdmin(AllauthEmailAddressAdmin):
    """allauth's, but marking an address verified is a change: the Support agent only reads them."""

    @admin.action(permissions=["change"], description=_("Mark selected email addresses as verified"))
    def make_verified(self, request, queryset) -> None:
        super().make_verified(request, queryset)


class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """Who has which second factor, for officers; never its secret or recovery codes (``data``,
    kept unencrypted), which would let the reader pass as that person's second factor. Set up
    by the person themself; deleting one resets it."""

    exclude = ("data",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SocialAppAdmin(AllauthSocialAppAdmin):
    """The provider's client secret only for those who may change the app (superusers)."""

    def get_exclude(self, request, obj=None):
        return None if self.has_change_permission(request, obj) else ("secret",)


class SocialTokenAdmin(AllauthSocialTokenAdmin):
    """Which accounts hold a provider's token, and until when; never the token. Tokens come
    from sign-ins only; deleting one revokes the portal's copy."""

    list_display = ("app", "account", "expires_at")
    exclude = ("token", "token_secret")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class UserSessionAdmin(AllauthUserSessionAdmin):
    """Who is signed in where, for officers. The session key is the session's cookie: kept off
    the page (allauth's field is not editable, so it shows nowhere today), with the session data."""

    exclude = ("session_key", "data")
    search_fields = ["user__email", "ip"]  # allauth's names user__username, which this User lacks

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


for model, model_admin in (
    (EmailAddress, EmailAddressAdmin),
    (Authenticator, AuthenticatorAdmin),
    (SocialApp, SocialAppAdmin),
    (SocialToken, SocialTokenAdmin),
    (UserSession, UserSessionAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
