"""What the accounts app holds about a person (P-01, P-03, P-04)."""

from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Artist, ArtistFollow, Follow, LoginEvent, Organisation, PublicProfile, User
from apps.personal_data.registry import (
    EVERY_STAFF_ROLE,
    Action,
    Category,
    DataSubjects,
    LegalBasis,
    PersonalField,
    exempt,
    register,
)


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
    purpose=_("Provide the account"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("while your account is open; deleted 14 days after you close it, or after 12 months without use"),
    title=_("Your account"),
    export_name="account",
    fields=[
        PersonalField("email", Category.CONTACT, Action.PSEUDONYM),
        PersonalField("email_hash", Category.CONTACT, fides="user.unique_id.pseudonymous", export=False),
        PersonalField("full_name", Category.IDENTITY),
        # One name of theirs (the given name, or what they chose): fideslang's leaf for a first name.
        PersonalField("preferred_name", Category.IDENTITY, fides="user.name.first"),
        PersonalField("phone", Category.CONTACT, fides="user.contact.phone_number"),
        PersonalField("mailing_address", Category.CONTACT, fides="user.contact.address"),
        PersonalField("profile_picture", Category.CONTENT, fides="user.content.self_image"),
        PersonalField("country", Category.ACCOUNT, fides="user.contact.address.country"),
        # A zone says roughly where someone lives (or where their browser is): imprecise location.
        PersonalField("time_zone", Category.LOCATION, fides="user.location.imprecise"),
        PersonalField(
            "preferred_language", Category.PREFERENCES, Action.FIXED, value="en", fides="user.demographic.language"
        ),
        PersonalField(
            "date_joined",
            Category.ACCOUNT,
            Action.KEEP,
            legal_basis=LegalBasis.LEGAL_OBLIGATION,
            retention=_("5 years after the account ends (tax and accounting records)"),
        ),
        PersonalField("last_login", Category.USAGE),
        PersonalField("last_seen_at", Category.USAGE),
    ],
)
register(
    LoginEvent,
    subject="user",
    purpose=_("Account security and fraud detection"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("12 months"),
    title=_("Sign-ins"),
    export_name="sign-ins",
    source=_("recorded by our systems each time someone signs in to your account"),
    tabular=True,
    # Auditors see when and how sign-ins happened and whether they failed, not who (unless
    # staff) nor from where.
    fields=[
        PersonalField("occurred_at", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
        PersonalField("ip_address", Category.TECHNICAL, fides="user.device.ip_address"),
        PersonalField("user_agent", Category.TECHNICAL),
        PersonalField("device", Category.TECHNICAL, seeded_text=True),
        PersonalField("browser", Category.TECHNICAL),
        PersonalField("operating_system", Category.TECHNICAL),
        PersonalField("method", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
        PersonalField("succeeded", Category.USAGE, seen_by=EVERY_STAFF_ROLE),
    ],
)
register(
    PublicProfile,
    subject="user",
    purpose=_("Show the public profile the customer chose"),
    legal_basis=LegalBasis.CONSENT,
    retention=_("until you switch your public profile off or close your account"),
    title=_("Your public profile"),
    export_name="public-profile",
    fields=[
        PersonalField("handle", Category.IDENTITY, fides="user.account.username"),
        PersonalField("display_name", Category.IDENTITY, fides="user.account.username"),
        PersonalField("show_display_name", Category.PREFERENCES, fides="user.account.settings"),
        PersonalField("show_avatar", Category.PREFERENCES),
        PersonalField("show_follower_count", Category.PREFERENCES),
        PersonalField("show_followers", Category.PREFERENCES),
        PersonalField("show_recent_artists", Category.PREFERENCES),
    ],
)
register(
    ArtistFollow,
    subject="user",
    purpose=_("Follow artists"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("while your account is open"),
    title=_("Artists you follow"),
    export_name="artists-you-follow",
    tabular=True,
    fields=[
        PersonalField("artist", Category.USAGE, fides="user.behavior.media_consumption"),
        PersonalField("followed_at", Category.USAGE, fides="user.behavior.media_consumption"),
    ],
)
register(
    Follow,
    # Both sides of a follow are about the subject: whom they follow and who follows them.
    subject=lambda user: Q(follower=user) | Q(followed=user),
    purpose=_("Follow other listeners"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("while your account is open"),
    title=_("People you follow and people who follow you"),
    export_name="follows",
    tabular=True,
    fields=[
        PersonalField("follower", Category.USAGE, fides="user.social"),
        PersonalField("followed", Category.USAGE, fides="user.social"),
        PersonalField("created_at", Category.USAGE, fides="user.social"),
    ],
)
exempt(Artist, reason="Artists are public performers' stage names, not customers.")
exempt(Organisation, reason="The data controller's company details, not a person's data.")
register(
    User.groups.through,
    subject="user",
    purpose=_("Staff roles"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("while the person works for us"),
    title=_("Staff roles"),
    data_subjects=DataSubjects.STAFF,
    export=False,
    fields=[PersonalField("group", Category.ACCOUNT, fides="system.authentication")],
)
register(
    User.user_permissions.through,
    subject="user",
    purpose=_("Staff permissions"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("while the person works for us"),
    title=_("Staff permissions"),
    data_subjects=DataSubjects.STAFF,
    export=False,
    fields=[PersonalField("permission", Category.ACCOUNT, fides="system.authentication")],
)
