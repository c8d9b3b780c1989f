"""Reads for accounts, with the access checks built in."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.accounts.domain import ROLE_PERMISSIONS, ROLE_VIEWERS, StaffAccess
from apps.accounts.models import Artist, LoginEvent, Organisation, PublicProfile, User
from apps.core.navigation import OverviewCard
from apps.personal_data.registry import Viewer, fields_hidden_from

ORGANISATION_CACHE_KEY = "accounts:organisation:v2"


@dataclass(frozen=True)
class ControllerIdentity:
    """The data controller as shown on privacy pages and in exports (P-05)."""

    name: str
    company_number: str
    address: str
    contact_email: str
    dpo_email: str
    country: str = ""
    phone: str = ""
    contact_name: str = ""
    dpo_name: str = ""
    security_measures: str = ""


def organisation_get() -> ControllerIdentity | None:
    cached = cache.get(ORGANISATION_CACHE_KEY)
    if cached is not None:
        return ControllerIdentity(**cached) if cached else None
    organisation = Organisation.objects.filter(singleton=True).first()
    data = (
        {
            "name": organisation.name,
            "company_number": organisation.company_number,
            "address": organisation.address,
            "contact_email": organisation.contact_email,
            "dpo_email": organisation.dpo_email,
            "country": organisation.country,
            "phone": organisation.phone,
            "contact_name": organisation.contact_name,
            "dpo_name": organisation.dpo_name,
            "security_measures": organisation.security_measures,
        }
        if organisation
        else {}
    )
    cache.set(ORGANISATION_CACHE_KEY, data, 300)
    return ControllerIdentity(**data) if data else None


def login_events_for_user(*, user: User) -> QuerySet[LoginEvent]:
    return LoginEvent.objects.filter(user=user).order_by("-occurred_at", "-id")


@dataclass(frozen=True)
class PublicProfileView:
    """Only what the customer chose to show; the template never sees the User."""

    handle: str
    display_name: str | None
    avatar_url: str | None
    follower_count: int | None
    followers: list[str] | None
    recent_artists: list[str] | None


def public_profile_view_for_handle(*, handle: str) -> PublicProfileView:
    """The public page's data, or 404 when the profile shows nothing or the account is closed."""
    profile = (
        PublicProfile.objects.select_related("user")
        .filter(handle__iexact=handle, user__is_active=True, user__status=User.Status.ACTIVE)
        .first()
    )
    if profile is None or not profile.is_visible:
        raise Http404
    user = profile.user
    followers = None
    if profile.show_followers:
        # A follower appears by handle only if their own profile is public.
        followers = list(
            PublicProfile.objects.filter(user__following__followed=user, user__status=User.Status.ACTIVE)
            .filter(show_display_name=True)
            .order_by("handle")
            .values_list("handle", flat=True)[:50]
        )
    recent_artists = None
    if profile.show_recent_artists:
        recent_artists = list(
            Artist.objects.filter(follows__user=user)
            .order_by("-follows__followed_at")
            .values_list("name", flat=True)[:10]
        )
    return PublicProfileView(
        handle=profile.handle,
        display_name=(profile.display_name or user.full_name) if profile.show_display_name else None,
        avatar_url=reverse("accounts:public_avatar", kwargs={"handle": profile.handle})
        if profile.show_avatar and user.profile_picture
        else None,
        follower_count=user.followers.count() if profile.show_follower_count else None,
        followers=followers,
        recent_artists=recent_artists,
    )


def public_avatar_file_for_handle(*, handle: str):
    profile = PublicProfile.objects.select_related("user").filter(handle__iexact=handle).first()
    if (
        profile is None
        or not profile.show_avatar
        or not profile.user.profile_picture
        or profile.user.status != "active"
        or not profile.user.is_active  # as public_profile_view_for_handle: deactivated shows nothing
    ):
        raise Http404
    return profile.user.profile_picture


def people_in_an_export(ids: set, subject: User) -> dict:
    """How someone else appears in a customer's export (a follow, a message): by the public
    handle they chose to show, or not at all (GDPR Art. 15(4)). personal_data asks this."""
    labels: dict = dict.fromkeys(ids, _("another customer"))
    shown = PublicProfile.objects.filter(user_id__in=ids, show_display_name=True)
    labels.update(shown.values_list("user_id", "handle"))
    return labels


# --- The field-level view rule -------------------------------------------------------------


def staff_viewers(user) -> frozenset[Viewer]:
    """The registry viewers ``user``'s staff roles make them (apps/accounts/domain.py ROLE_VIEWERS).

    Read once per user object: the admin asks for every column, search field and filter."""
    cached = getattr(user, "_staff_viewers", None)
    if cached is not None:
        return cached
    if not (user.is_authenticated and user.is_active and user.is_staff):
        viewers: frozenset[Viewer] = frozenset()
    elif user.is_superuser:
        viewers = frozenset(Viewer)
    else:
        roles = user.groups.filter(name__in=list(ROLE_VIEWERS)).values_list("name", flat=True)
        viewers = frozenset(ROLE_VIEWERS[name] for name in roles)
    user._staff_viewers = viewers
    return viewers


def fields_hidden_from_user(user, model: type[Model]) -> frozenset[str]:
    """What the admin hides from ``user`` of ``model``: the rule apps/core/admin/visibility.py applies."""
    if user.is_active and user.is_superuser:
        return frozenset()
    return fields_hidden_from(model, staff_viewers(user))


def staff_access_of(user: User) -> StaffAccess:
    roles = sorted(user.groups.filter(name__in=list(ROLE_PERMISSIONS)).values_list("name", flat=True))
    return StaffAccess(role=", ".join(roles), is_superuser=user.is_superuser)


# --- The overview's cards (apps/core/navigation.py) -----------------------------------------


def two_factor_card(user: User) -> OverviewCard:
    from allauth.mfa.models import Authenticator

    enabled = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return OverviewCard(
        key="two_factor",
        title=_("Two-factor authentication"),
        state=_("On") if enabled else _("Off"),
        detail=_("A code from your phone is asked for when you sign in.")
        if enabled
        else _(
            "Only your password protects your account. "
            "A code from your phone would keep it safe if the password leaked."
        ),
        action_label=_("Manage two-factor authentication") if enabled else _("Turn on two-factor authentication"),
        action_url=reverse("mfa_index"),
        attention=not enabled,
    )


def signed_in_devices_card(user: User) -> OverviewCard:
    from allauth.usersessions.models import UserSession

    # Only sessions still alive (allauth's list purges the others when it is opened; a read
    # here leaves them be): one look-up per session, and a customer has a handful.
    count = sum(1 for session in UserSession.objects.filter(user=user) if session.exists())
    return OverviewCard(
        key="devices",
        title=_("Signed-in devices"),
        state=ngettext("%(count)d device", "%(count)d devices", count) % {"count": count},
        detail=_("Sign out of any device you do not recognise."),
        action_label=_("See where you are signed in"),
        action_url=reverse("usersessions_list"),
        attention=count > 3,
    )


# What each visibility switch shows, as the overview lists it.
PUBLIC_PROFILE_ITEMS = {
    "show_display_name": gettext_lazy("your display name"),
    "show_avatar": gettext_lazy("your profile picture"),
    "show_follower_count": gettext_lazy("how many followers you have"),
    "show_followers": gettext_lazy("who follows you"),
    "show_recent_artists": gettext_lazy("the artists you recently followed"),
}


def public_profile_card(user: User) -> OverviewCard:
    profile = PublicProfile.objects.filter(user=user).first()
    shown = [name for name in PublicProfile.VISIBILITY_FIELDS if profile and getattr(profile, name)]
    if shown:
        labels = ", ".join(str(PUBLIC_PROFILE_ITEMS[name]) for name in shown)
        detail = _("Anyone can see %(items)s.") % {"items": labels}
    else:
        detail = _("Nothing about you is public.")
    return OverviewCard(
        key="public_profile",
        title=_("Public profile"),
        state=ngettext("%(count)d item shown", "%(count)d items shown", len(shown)) % {"count": len(shown)},
        detail=detail,
        action_label=_("Choose what others see"),
        action_url=reverse("accounts:public_profile_edit"),
    )


def last_export_card(user: User) -> OverviewCard:
    from apps.personal_data.selectors import exports_for_subject

    export = exports_for_subject(subject=user).first()
    if export is None:
        state, detail = _("Never"), _("You have not asked for a copy of your data yet.")
    else:
        # In the customer's zone and their language's format, as the page's other times.
        state = date_format(export.created_at.astimezone(timezone.get_current_timezone()), "DATE_FORMAT")
        detail = _("Your last copy: %(status)s.") % {"status": export.get_status_display().lower()}
    return OverviewCard(
        key="export",
        title=_("Copy of your data"),
        state=state,
        detail=detail,
        action_label=_("Download a copy of your data"),
        action_url=reverse("personal_data:data"),
    )
