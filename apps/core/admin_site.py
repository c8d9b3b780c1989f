"""The admin site: staff reach it only after a second factor (TOTP or a recovery code).

Sign-in goes through allauth, so the same rate limits, MFA stage and login history
apply to staff as to customers.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


def session_passed_mfa(request) -> bool:
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def _with_next(url_name: str, request) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


class PortalAdminSite(admin.AdminSite):
    site_header = "Privacy Portal administration"
    site_title = "Privacy Portal admin"
    index_title = "Privacy operations"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and is_mfa_enabled(user) and session_passed_mfa(request))

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def mfa_gate(request, *args, **kwargs):
            user = request.user
            if user.is_authenticated and user.is_active and user.is_staff:
                if not is_mfa_enabled(user):
                    messages.warning(request, _("Staff must set up an authenticator app before using the admin."))
                    return HttpResponseRedirect(_with_next("mfa_activate_totp", request))
                if not session_passed_mfa(request):
                    return HttpResponseRedirect(_with_next("mfa_reauthenticate", request))
            return inner(request, *args, **kwargs)

        mfa_gate.admin_site = self  # type: ignore[attr-defined]
        return mfa_gate

    def login(self, request, extra_context=None):
        # A signed-in non-staff user would bounce forever between here and allauth's
        # login, which sends signed-in users straight on to ?next=/admin/.
        if request.user.is_authenticated and not request.user.is_staff:
            raise PermissionDenied
        # One sign-in page for everyone: allauth's, with its MFA stage.
        return HttpResponseRedirect(
            f"{reverse('account_login')}?{urlencode({'next': request.GET.get('next', reverse('admin:index'))})}"
        )

    def logout(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("account_logout"))

    def password_change(self, request, extra_context=None):
        # The admin's "Change password" link: allauth's page, which asks for the current
        # password, applies the validators and sends the security notice, as for customers.
        return HttpResponseRedirect(reverse("account_change_password"))
