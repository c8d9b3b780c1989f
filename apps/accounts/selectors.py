"""Reads for accounts, with the access checks built in."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.accounts.domain import ROLE_PERMISSIONS, ROLE_VIEWERS, StaffAccess
from apps.accounts.models import Artist, LoginEvent, Organisation, PublicProfile, User
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
    from django.urls import reverse

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
