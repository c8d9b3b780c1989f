"""What the accounts app holds about a person (P-01, P-03, P-04)."""

from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

from apps.accounts.models import Artist, ArtistFollow, Follow, LoginEvent, Organisation, PublicProfile, User
from apps.personal_data.registry import EVERY_STAFF_ROLE, Action, Category, LegalBasis, PersonalField, exempt, register


def _close_account(now: datetime) -> dict:
    """Erasure closes the account: no sign-in, no password, marked closed (the live row only)."""
    return {
        "is_active": False,
        "status": User.Status.CLOSED,
        "closed_at": Coalesce("closed_at", Value(now)),
        "password": make_password(None),
    }


register(
    User,
    subject="",
    erase=Action.NULL,  # the row stays, emptied and closed, so kept records still have an anchor
    closure=_close_account,
    erasure_version=True,  # the account's own history names who erased it and why
    purpose="Provide the account (contract)",
    fields=[
        PersonalField("email", Category.CONTACT, Action.PSEUDONYM),
        PersonalField("email_hash", Category.CONTACT),
        PersonalField("full_name", Category.IDENTITY),
        PersonalField("phone", Category.CONTACT),
        PersonalField("mailing_address", Category.CONTACT),
        PersonalField("profile_picture", Category.CONTENT),
        PersonalField("country", Category.ACCOUNT),
        PersonalField("preferred_language", Category.PREFERENCES, Action.FIXED, value="en"),
        PersonalField(
            "date_joined",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention="5 years after the account ends (tax and accounting records)",
        ),
        PersonalField("last_login", Category.USAGE),
        PersonalField("last_seen_at", Category.USAGE),
    ],
)
register(
    LoginEvent,
    subject="user",
    purpose="Account security and fraud detection (legitimate interest)",
    tabular=True,
    # Auditors see when and how sign-ins happened and whether they failed, not who (unless
    # staff) nor from where.
    fields=[
        PersonalField("occurred_at", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
        PersonalField("ip_address", Category.TECHNICAL),
        PersonalField("user_agent", Category.TECHNICAL),
        PersonalField("device", Category.TECHNICAL),
        PersonalField("browser", Category.TECHNICAL),
        PersonalField("operating_system", Category.TECHNICAL),
        PersonalField("method", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
        PersonalField("succeeded", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
    ],
)
register(
    PublicProfile,
    subject="user",
    purpose="Show the public profile the customer chose (consent)",
    fields=[
        PersonalField("handle", Category.IDENTITY),
        PersonalField("display_name", Category.IDENTITY),
        PersonalField("show_display_name", Category.PREFERENCES),
        PersonalField("show_avatar", Category.PREFERENCES),
        PersonalField("show_follower_count", Category.PREFERENCES),
        PersonalField("show_followers", Category.PREFERENCES),
        PersonalField("show_recent_artists", Category.PREFERENCES),
    ],
)
register(
    ArtistFollow,
    subject="user",
    purpose="Follow artists (contract)",
    tabular=True,
    fields=[PersonalField("artist", Category.USAGE), PersonalField("followed_at", Category.USAGE)],
)
register(
    Follow,
    # Both sides of a follow are about the subject: whom they follow and who follows them.
    subject=lambda user: Q(follower=user) | Q(followed=user),
    purpose="Follow other listeners (contract)",
    tabular=True,
    fields=[
        PersonalField("follower", Category.USAGE),
        PersonalField("followed", Category.USAGE),
        PersonalField("created_at", Category.USAGE),
    ],
)
exempt(Artist, reason="Artists are public performers' stage names, not customers.")
exempt(Organisation, reason="The data controller's company details, not a person's data.")
register(
    User.groups.through,
    subject="user",
    purpose="Staff roles (security)",
    export=False,
    fields=[PersonalField("group", Category.ACCOUNT)],
)
register(
    User.user_permissions.through,
    subject="user",
    purpose="Staff permissions (security)",
    export=False,
    fields=[PersonalField("permission", Category.ACCOUNT)],
)
