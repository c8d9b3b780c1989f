"""The admin site: staff reach it only after a second factor (TOTP or a recovery code).

Sign-in goes through allauth, so the same rate limits, MFA stage and login history
apply to staff as to customers.

Every model admin registered here, the project's and third-party apps' alike, filters its
changelist only through what it declares (``DeclaredLookupsOnlyMixin``): ``register`` puts
the rule in front of any admin class that does not already have it.

Pages that are not one model's (reports, tools) join the site with ``register_site_view``:
they get the same sign-in and MFA gate, their own ``may_view`` check, and, with a label, a
link on the admin index for the users who may open them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.functional import Promise as StrPromise
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps.core.admin.scale import at_scale
from apps.core.admin.shared import DeclaredLookupsOnlyMixin
from apps.core.admin.workspace import grouped_models, workspace_tiles


def session_passed_mfa(request) -> bool:
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def _with_next(url_name: str, request) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


@dataclass(frozen=True)
class SiteView:
    """A page of the admin that is not one model's: a report or a tool at the site's top level."""

    route: str  # under /admin/, e.g. "statistics/"; must not be an app label
    view: Callable[..., Any]
    name: str  # the URL name, in the admin namespace ("admin:<name>")
    may_view: Callable[[Any], bool]  # who may open it; checked on every request and for the index link
    label: str | StrPromise = ""  # when set, the admin index links to it
    description: str | StrPromise = ""


_site_views: dict[str, SiteView] = {}


def register_site_view(
    route: str,
    view: Callable[..., Any],
    *,
    name: str,
    may_view: Callable[[Any], bool],
    label: str | StrPromise = "",
    description: str | StrPromise = "",
) -> None:
    """Add a site-level admin page, behind the admin's sign-in and MFA gate and ``may_view``.

    Call it when the app loads (its AppConfig.ready), before the URLconf asks for the
    admin's URLs. Registering the same name again replaces the entry.
    """
    _site_views[name] = SiteView(route, view, name, may_view, label, description)


def site_views() -> list[SiteView]:
    return list(_site_views.values())


def with_declared_lookups_only(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """``admin_class`` itself when it has the rule, else a subclass (of the same name) with it in front."""
    if issubclass(admin_class, DeclaredLookupsOnlyMixin):
        return admin_class
    namespace: dict[str, Any] = {
        "__module__": admin_class.__module__,
        "__qualname__": admin_class.__qualname__,
        "__doc__": admin_class.__doc__,
    }
    return type(admin_class.__name__, (DeclaredLookupsOnlyMixin, admin_class), namespace)


class PortalAdminSite(admin.AdminSite):
    site_header = "Privacy Portal administration"
    site_title = "Privacy Portal admin"
    index_title = "Privacy operations"

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        admin_class = with_declared_lookups_only(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, at_scale(admin_class), **options)

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

    def get_urls(self):
        # Before the model admins' URLs: the site's last pattern catches everything else.
        return [
            *(path(item.route, self.admin_view(self._gated(item)), name=item.name) for item in site_views()),
            path(
                "reauthenticated/",
                self.admin_view(self.staff_reauthentication_resume),
                name="staff_reauthentication_resume",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _gated(item: SiteView):
        @wraps(item.view)
        def view(request, *args, **kwargs):
            if not item.may_view(request.user):
                raise PermissionDenied
            return item.view(request, *args, **kwargs)

        return view

    def staff_reauthentication_resume(self, request):
        # Where an admin action comes back to after a fresh second factor (reauthentication.py).
        from apps.core.admin.reauthentication import resume_view

        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return resume_view(request, self)

    def site_views_for(self, request) -> list[dict[str, Any]]:
        """The linked site-level pages this user may open, for the index."""
        return [
            {"url": reverse(f"{self.name}:{item.name}"), "label": item.label, "description": item.description}
            for item in site_views()
            if item.label and item.may_view(request.user)
        ]

    def index(self, request, extra_context=None):
        # The privacy-operations home: today's work first (workspace.py), the models below.
        context = {
            "site_views": self.site_views_for(request),
            "tiles": workspace_tiles(request),
            "model_groups": grouped_models(self.get_app_list(request)),
            **(extra_context or {}),
        }
        return super().index(request, context)

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
