"""Writes for accounts. Every service names its actor; simple-history records the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.domain import (
    ROLE_PERMISSIONS,
    StaffAccess,
    default_handle_for,
    parse_user_agent,
    permission_matches,
    reencoded_picture,
)
from apps.accounts.models import LoginEvent, Organisation, PublicProfile, User
from apps.accounts.selectors import ORGANISATION_CACHE_KEY, staff_access_of
from apps.core.actors import SystemActor, record_actor

# The fields a customer edits on "Your details"; email goes through allauth's flow.
EDITABLE_DETAILS = (
    "full_name",
    "preferred_name",
    "phone",
    "mailing_address",
    "country",
    "preferred_language",
    "time_zone",
)


@transaction.atomic
def user_update_details(
    *, user: User, actor: User | SystemActor, reason: str = "details changed", **changes: Any
) -> User:
    unknown = set(changes) - set(EDITABLE_DETAILS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    record_actor(user, actor=actor, reason=reason)
    user.save(update_fields=[*changes.keys()])
    return user


@transaction.atomic(durable=True)  # called by its view only, never inside another transaction
def user_set_profile_picture(*, user: User, actor: User | SystemActor, upload: UploadedFile | None) -> User:
    """Replace (or with ``upload=None`` remove) the picture; the old file is deleted after commit."""
    old_name = user.profile_picture.name if user.profile_picture else ""
    if upload is None:
        user.profile_picture = None  # type: ignore[assignment]
    else:
        content = reencoded_picture(upload)
        assert content.name is not None  # reencoded_picture always names the file
        user.profile_picture.save(content.name, content, save=False)
    record_actor(user, actor=actor, reason="profile picture changed" if upload else "profile picture removed")
    user.save(update_fields=["profile_picture"])
    if old_name:
        storage = user.profile_picture.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return user


def user_touch_last_seen(*, user: User, now: datetime | None = None) -> bool:
    """Mark the user as seen today. Writes at most once per LAST_SEEN_RESOLUTION.

    A conditional UPDATE: concurrent requests on the same day do not each write.
    """
    now = now or timezone.now()
    threshold = now - settings.LAST_SEEN_RESOLUTION
    if user.last_seen_at and user.last_seen_at > threshold:
        return False
    updated = (
        User.objects.filter(pk=user.pk)
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=threshold))
        .update(last_seen_at=now)
    )
    user.last_seen_at = now
    return bool(updated)


def login_event_record(
    *, user: User | None, method: str, succeeded: bool, ip_address: str | None, user_agent: str
) -> LoginEvent:
    parsed = parse_user_agent(user_agent)
    return LoginEvent.objects.create(
        user=user,
        method=method,
        succeeded=succeeded,
        ip_address=ip_address or None,
        user_agent=user_agent[:512],
        device=parsed.device,
        browser=parsed.browser,
        operating_system=parsed.operating_system,
    )


def public_profile_get_or_create(*, user: User) -> PublicProfile:
    profile, _created = PublicProfile.objects.get_or_create(user=user, defaults={"handle": default_handle_for(user)})
    return profile


@transaction.atomic(durable=True)  # called by its view only, never inside another transaction
def public_profile_update(*, profile: PublicProfile, actor: User | SystemActor, **changes: Any) -> PublicProfile:
    allowed = {"handle", "display_name", *PublicProfile.VISIBILITY_FIELDS}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(profile, name, value)
    if (
        "handle" in changes
        and PublicProfile.objects.filter(handle__iexact=profile.handle).exclude(pk=profile.pk).exists()
    ):
        raise ValidationError({"handle": _("This handle is taken. Try another.")})
    profile.full_clean()
    record_actor(profile, actor=actor, reason="public profile changed")
    profile.save()
    return profile


@transaction.atomic
def organisation_update(*, actor: User | SystemActor, **fields: Any) -> Organisation:
    organisation = Organisation.objects.select_for_update().filter(singleton=True).first() or Organisation()
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    record_actor(organisation, actor=actor, reason="organisation details changed")
    organisation.save()
    transaction.on_commit(lambda: cache.delete(ORGANISATION_CACHE_KEY))
    return organisation


@transaction.atomic
def staff_roles_sync(**kwargs: object) -> None:
    """Give each role group exactly the permissions its patterns match (idempotent).

    Connected to post_migrate (AccountsConfig.ready), so it takes the signal's arguments.
    """
    permissions = list(Permission.objects.select_related("content_type"))
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [p for p in permissions if permission_matches(role, p.content_type.app_label, p.codename)]
        group.permissions.set(wanted)


@transaction.atomic
def user_staff_access_change(*, user: User, actor: User, role: str, is_superuser: bool, reason: str) -> User:
    """Give a staff account a role (or none) and superuser status (or not), for superusers only.

    Role and superuser changes never come from the user form (finding 8 of issue 13): they
    are this one audited write, recorded in the account's history with the actor and the
    reason. A customer account (one without staff status) is refused: a role or superuser on
    it would turn a stranger's sign-up into staff access. A superuser does not change their
    own access: a second superuser does, so no one raises or drops their own rights alone.
    """
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_staff:
        raise ValidationError(
            _("This is a customer account: it cannot be given a staff role or superuser status. Nothing was changed.")
        )
    if locked.pk == actor.pk:
        raise ValidationError(_("Another superuser changes your own access. Nothing was changed."))
    if role and role not in ROLE_PERMISSIONS:
        raise ValidationError({"role": _("Choose one of the staff roles.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason: it is recorded in the account's history.")})

    before = staff_access_of(locked)
    role_groups = list(Group.objects.filter(name__in=list(ROLE_PERMISSIONS)))
    locked.groups.remove(*role_groups)
    if role:
        locked.groups.add(next(group for group in role_groups if group.name == role))
    locked.is_superuser = is_superuser
    after = StaffAccess(role=role, is_superuser=is_superuser)
    # The history row is the audit record: who, when, what changed (groups are not a history
    # column), and why.
    record_actor(
        locked,
        actor=actor,
        reason=f"staff access changed from {before.describe()} to {after.describe()}: {reason.strip()[:200]}",
    )
    locked.save(update_fields=["is_superuser"])
    return locked
