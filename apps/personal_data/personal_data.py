"""Registry entries this app declares: the engine's own tables, core's (core sits below the
registry and cannot declare its own), and the tables that third-party apps own (allauth,
Django itself), which have no personal_data.py of their own."""

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from apps.core.models import Job
from apps.personal_data.models import DataExport, ErasureRun
from apps.personal_data.registry import Action, Category, LegalBasis, PersonalField, entries, exempt, register

# --- The engine's own tables ---------------------------------------------------------------

register(
    DataExport,
    subject="subject",
    purpose=_("Hand the customer their data"),
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
    retention=_("7 days after the copy is ready"),
    title=_("Copies of your data"),
    export=False,  # an export does not contain earlier exports
    fields=[PersonalField("file", Category.CONTENT), PersonalField("record_counts", Category.ACCOUNT)],
)
exempt(
    Job,
    reason="Names its work by kind and row id only; last_error is the failure's type and message, for officers.",
)
exempt(
    ErasureRun,
    reason="Holds the pseudonymous reference and counts only; requested_by is the staff member who acted.",
)


# --- Tables of third-party apps ----------------------------------------------------------


def _log_entries_about(user) -> Q:
    # An admin log entry is about the subject when it records a change to their account or
    # to any other registered row about them (an email address, a social account, a
    # profile: its object_repr quotes the data); the `user` column is the staff member who
    # acted, not the subject. Built from the live rows, so erasure evaluates it before it
    # removes any (freeze_subject).
    q = Q(content_type=ContentType.objects.get_for_model(get_user_model()), object_id=str(user.pk))
    if user.pk is None:
        return q
    for entry in entries():
        if not isinstance(entry.subject, str) or entry.subject == "" or entry.model is LogEntry:
            continue
        ids = entry.model._base_manager.filter(entry.subject_q(user)).annotate(
            _object_id=Cast("pk", output_field=TextField())
        )
        q |= Q(content_type=ContentType.objects.get_for_model(entry.model), object_id__in=ids.values("_object_id"))
    return q


register(
    EmailAddress,
    subject="user",
    purpose=_("Sign-in and account emails"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("while your account is open"),
    title=_("Your email addresses"),
    export_name="email-addresses",
    fields=[PersonalField("email", Category.CONTACT), PersonalField("verified", Category.ACCOUNT)],
)
register(
    EmailConfirmation,
    subject="email_address__user",
    purpose=_("Verify an email address"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("until the address is confirmed or the link expires"),
    title=_("Email confirmation links"),
    export=False,
    fields=[
        PersonalField("key", Category.ACCOUNT, fides="user.authorization.credentials"),
        PersonalField("sent", Category.ACCOUNT),
    ],
)
register(
    SocialAccount,
    subject="user",
    purpose=_("Sign in with Google or Facebook"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("while the sign-in stays connected to your account"),
    title=_("Sign-in with Google or Facebook"),
    export_name="connected-sign-ins",
    source=_("Google or Facebook, when you sign in with them"),
    fields=[
        PersonalField("provider", Category.ACCOUNT),
        PersonalField(
            "uid", Category.IDENTITY, fides="user.unique_id.pseudonymous", label=_("your number at Google or Facebook")
        ),
        PersonalField(
            "extra_data",
            Category.IDENTITY,
            fides="user.account.settings",
            label=_("what Google or Facebook told us about you"),
        ),
        PersonalField("last_login", Category.USAGE),
    ],
)
register(
    SocialToken,
    subject="account__user",
    purpose=_("Calendar access the customer switched on"),
    legal_basis=LegalBasis.CONSENT,
    retention=_("1 hour after Google or Facebook issues it"),
    title=_("Access keys from Google or Facebook"),
    source=_("Google or Facebook, when you connect your calendar"),
    export=False,  # secrets: never handed out, not even to the subject
    fields=[
        PersonalField("token", Category.ACCOUNT, fides="user.authorization.credentials"),
        PersonalField("token_secret", Category.ACCOUNT, fides="user.authorization.credentials"),
    ],
)
register(
    Authenticator,
    subject="user",
    purpose=_("Two-factor authentication"),
    legal_basis=LegalBasis.CONTRACT,
    retention=_("until you remove the second sign-in step"),
    title=_("Two-step sign-in"),
    export=False,
    fields=[
        PersonalField("type", Category.ACCOUNT, fides="system.authentication"),
        PersonalField("data", Category.ACCOUNT, fides="user.authorization.credentials"),
    ],
)
register(
    UserSession,
    subject="user",
    purpose=_("Show and end signed-in sessions"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("until the session ends"),
    title=_("Signed-in sessions"),
    export_name="sessions",
    source=_("recorded by our systems while you are signed in"),
    tabular=True,
    fields=[
        PersonalField("ip", Category.TECHNICAL, fides="user.device.ip_address", label=_("IP address")),
        PersonalField("user_agent", Category.TECHNICAL),
        PersonalField("created_at", Category.USAGE),
        PersonalField("last_seen_at", Category.USAGE),
        PersonalField("data", Category.TECHNICAL, fides="user.device.cookie", label=_("session details")),
    ],
)
register(
    LogEntry,
    subject=_log_entries_about,
    freeze_subject=True,  # matches the subject's other rows, erased before log entries
    subject_by_key=True,  # the same subqueries for everyone; only the key differs
    erase=Action.NULL,
    purpose=_("Audit of staff changes"),
    legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    retention=_("while your account is open"),
    title=_("Changes our staff made to your account"),
    source=_("written by our systems when a staff member changes your account"),
    export=False,
    fields=[
        PersonalField("object_repr", Category.IDENTITY, Action.FIXED, value="[erased]"),
        PersonalField("change_message", Category.ACCOUNT, Action.FIXED, value=""),
    ],
)
exempt(Session, reason="Session rows are deleted through the subject's user sessions (UserSession.session_key).")
exempt(SocialApp, reason="OAuth client credentials of the company, not a person's data.")
exempt(Group, reason="Staff role names.")
exempt(Permission, reason="Permission names.")
exempt(ContentType, reason="Model names.")
