"""Privacy policy versions, change notices and acknowledgements (P-16).

- Reads: the version in force (``selectors.current_policy``), every published version with its
  state, one version by its name, the notice of a version, and the banner a customer should see.
- Writes: saving and deleting versions (the admin), scheduling and resuming the change notice,
  and a customer's acknowledgement.

A material change is announced by email to every active account with a verified primary
address, at least ``NOTICE_LEAD_DAYS`` before it takes effect. The notice is an administrative
message (no List-Unsubscribe, no opt-out) sent by the generic batched sender in
``apps.consent.mailings``, which this module teaches how to choose the audience and build one
message (``MAILING_KINDS[Mailing.Kind.POLICY_NOTICE]``). Signed-in customers also see a banner
from the day the notice is scheduled until ``BANNER_DAYS_AFTER`` days after the version takes
effect, until they acknowledge it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.mailing.queue import mailing_queue
from apps.consent.models import Mailing, PolicyAcknowledgement, PolicyVersion
from apps.consent.selectors.policy import current_policy
from apps.core.actors import SystemActor, record_actor
from apps.core.clock import organisation_today

# How long before the effective date the notice must go out, and how long after it the banner stays.
NOTICE_LEAD_DAYS = 15
BANNER_DAYS_AFTER = 90

# Version names appear in URLs (/privacy-policy/<version>/): keep them to URL-safe characters,
# and away from the names of the pages beside them.
VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RESERVED_VERSION_NAMES = frozenset({"versions"})

# Fields a notice has announced, or that were in force: they no longer change.
LOCKED_FIELDS = ("version", "effective_on", "material_change")


class VersionState:
    IN_FORCE = "in_force"
    UPCOMING = "upcoming"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class ListedVersion:
    version: PolicyVersion
    state: str


# --- Selectors ------------------------------------------------------------------------------


def policy_in_force() -> PolicyVersion | None:
    """The version in force today (one query)."""
    return current_policy()


def policy_version_get(name: str) -> PolicyVersion | None:
    """A version by its public name, or None for a name nobody published."""
    # Names are checked on the way in (policy_version_name_check): anything else was never published.
    if not VERSION_NAME.fullmatch(name or "") or len(name) > (PolicyVersion._meta.get_field("version").max_length or 0):
        return None
    return PolicyVersion.objects.filter(version=name).first()


def policy_version_state(version: PolicyVersion, *, in_force: PolicyVersion | None) -> str:
    if version.effective_on > organisation_today():
        return VersionState.UPCOMING
    if in_force is not None and version.pk == in_force.pk:
        return VersionState.IN_FORCE
    return VersionState.SUPERSEDED


def policy_versions_listed() -> list[ListedVersion]:
    """Every published version, newest first, each with its state (two queries)."""
    in_force = current_policy()
    return [
        ListedVersion(version, policy_version_state(version, in_force=in_force))
        for version in PolicyVersion.objects.order_by("-effective_on", "-pk")
    ]


def policy_upcoming() -> PolicyVersion | None:
    """The next version to take effect, if one is already published."""
    return PolicyVersion.objects.filter(effective_on__gt=organisation_today()).order_by("effective_on", "pk").first()


def policy_notice_get(version: PolicyVersion) -> Mailing | None:
    return Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE, policy_version=version).first()


def policy_notices() -> QuerySet[Mailing]:
    """Every change notice, newest version first, for the officers' progress page."""
    return (
        Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE)
        .select_related("policy_version", "created_by")
        .order_by("-policy_version__effective_on", "-pk")
    )


def policy_version_is_locked(version: PolicyVersion) -> bool:
    """In force or earlier, or already announced: its name, date and kind of change are fixed."""
    if version.pk is None:
        return False
    return version.effective_on <= organisation_today() or policy_notice_get(version) is not None


def policy_notice_earliest_effective_date(today: date | None = None) -> date:
    return (today or organisation_today()) + timedelta(days=NOTICE_LEAD_DAYS)


def _banner_versions(today: date) -> QuerySet[PolicyVersion]:
    notice = Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE, policy_version=OuterRef("pk"))
    return PolicyVersion.objects.filter(
        Exists(notice), material_change=True, effective_on__gte=today - timedelta(days=BANNER_DAYS_AFTER)
    )


BANNER_CACHE_SECONDS = 300


def _banner_cache_key(today: date) -> str:
    return f"consent:banner-versions:{today.isoformat()}"


def _announced_version_ids(today: date) -> list[int]:
    """Versions in their banner window, shared by everyone and cached: most days there are none."""
    key = _banner_cache_key(today)
    ids = cache.get(key)
    if ids is None:
        ids = list(_banner_versions(today).values_list("pk", flat=True))
        cache.set(key, ids, BANNER_CACHE_SECONDS)
    return ids


def forget_announced_versions(**kwargs) -> None:
    """A version or its notice changed: the next page works the window out again."""
    cache.delete(_banner_cache_key(organisation_today()))


def policy_banner_for(user) -> PolicyVersion | None:
    """The materially changed version ``user`` should be asked to acknowledge now, if any.

    Runs on every page a signed-in customer opens: no query while no change is announced (the
    usual case), then one small one for this person's acknowledgements; none for visitors and staff.
    """
    if user is None or not user.is_authenticated or user.is_staff:
        return None
    today = organisation_today()
    ids = _announced_version_ids(today)
    if not ids:
        return None
    acknowledged = PolicyAcknowledgement.objects.filter(subject=user, policy_version=OuterRef("pk"))
    return (
        _banner_versions(today)
        .filter(pk__in=ids)
        .exclude(Exists(acknowledged))
        .only("pk", "version", "effective_on", "summary_en", "summary_vi")
        .order_by("-effective_on", "-pk")
        .first()
    )


def _version_url(version: PolicyVersion) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("consent:policy_version", args=[version.version])


def notice_audience(mailing: Mailing) -> QuerySet[User]:
    """Everyone with an active account and a verified primary address; nobody can opt out."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), primary=True, verified=True)
    return User.objects.filter(Exists(verified), is_active=True, status=User.Status.ACTIVE).order_by("pk")


def notice_message(mailing: Mailing, user: User) -> EmailMessage:
    """One recipient's notice, in their language, with absolute links to the new version."""
    version = mailing.policy_version
    if version is None:
        raise ValueError(f"policy notice {mailing.reference} has no policy version")
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "version": version,
            "summary": version.summary(),
            "effective_on": formats.date_format(version.effective_on, "DATE_FORMAT"),
            "url": _version_url(version),
            "versions_url": settings.SITE_URL.rstrip("/") + reverse("consent:policy_versions"),
        }
        subject = render_to_string("consent/email/policy_notice_subject.txt", context).strip()
        body = render_to_string("consent/email/policy_notice_body.txt", context)
    # Administrative mail: deliberately no List-Unsubscribe header.
    return EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


# --- Services -------------------------------------------------------------------------------


def policy_version_name_check(name: str) -> None:
    """Version names go into URLs: raise a ValidationError (on ``version``) for one that cannot."""
    if not VERSION_NAME.fullmatch(name or "") or name.lower() in RESERVED_VERSION_NAMES:
        raise ValidationError(
            {
                "version": _(
                    "Use letters, digits, dots, hyphens and underscores only, starting with a letter or digit "
                    "(for example 2.1 or 2027-01); “versions” is taken."
                )
            }
        )


@transaction.atomic
def policy_version_save(*, version: PolicyVersion, actor: User | SystemActor) -> PolicyVersion:
    """Create or edit a version. Once in force or announced, its name, date and kind of change stay."""
    policy_version_name_check(version.version)
    if version.pk is not None:
        previous = PolicyVersion.objects.select_for_update().get(pk=version.pk)
        if policy_version_is_locked(previous):
            changed = [field for field in LOCKED_FIELDS if getattr(previous, field) != getattr(version, field)]
            if changed:
                raise ValidationError(
                    {
                        field: _("This version is in force or already announced: this can no longer change.")
                        for field in changed
                    }
                )
    version.full_clean()
    record_actor(version, actor=actor, reason="policy version saved")
    version.save()
    return version


@transaction.atomic
def policy_version_delete(*, version: PolicyVersion, actor: User | SystemActor) -> None:
    """Withdraw a version that has not taken effect and was never announced."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if policy_version_is_locked(version):
        raise ValidationError(_("A version that is in force, was in force or was announced cannot be deleted."))
    record_actor(version, actor=actor, reason="policy version deleted")
    version.delete()


@receiver(pre_delete, sender=PolicyVersion, dispatch_uid="consent_policy_version_kept")
def _keep_effective_versions(sender, instance: PolicyVersion, **kwargs) -> None:
    # Whatever path deletes (shell, a future bulk tool), a version that was ever in force stays:
    # it is the text customers agreed to.
    if instance.effective_on <= organisation_today():
        raise PermissionError("A privacy policy version that has taken effect cannot be deleted.")


@transaction.atomic
def policy_notice_schedule(*, version: PolicyVersion, actor: User | SystemActor) -> Mailing:
    """Create the change notice of a materially changed version and queue it to send now.

    Refused unless the version takes effect at least ``NOTICE_LEAD_DAYS`` from today; one notice
    per version (a database constraint too).
    """
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if not version.material_change:
        raise ValidationError(_("Only a material change is announced by email; this version is not one."))
    earliest = policy_notice_earliest_effective_date()
    if version.effective_on < earliest:
        raise ValidationError(
            _(
                "Version %(version)s takes effect on %(effective_on)s, less than %(days)s days from today: customers "
                "must be told at least %(days)s days ahead. Move its effective date to %(earliest)s or later."
            )
            % {
                "version": version.version,
                "effective_on": version.effective_on.isoformat(),
                "days": NOTICE_LEAD_DAYS,
                "earliest": earliest.isoformat(),
            }
        )
    if policy_notice_get(version) is not None:
        raise ValidationError(_("The change notice of this version is already scheduled."))
    mailing = Mailing(
        kind=Mailing.Kind.POLICY_NOTICE,
        policy_version=version,
        subject_line=_("Privacy policy %(version)s takes effect on %(effective_on)s")
        % {"version": version.version, "effective_on": version.effective_on.isoformat()},
        body=_(
            "Each recipient receives this notice in their own language, with a link to the new version. "
            "Summary of changes:\n\n%(summary)s"
        )
        % {"summary": version.summary_en},
        send_after=timezone.now(),
        created_by=actor if isinstance(actor, User) else None,
    )
    mailing.full_clean()
    record_actor(mailing, actor=actor, reason="policy change notice scheduled")
    try:
        with transaction.atomic():
            mailing.save()
    except IntegrityError:  # a second officer scheduled it at the same moment
        raise ValidationError(_("The change notice of this version is already scheduled.")) from None
    return mailing_queue(mailing=mailing, actor=actor)


def policy_notice_resume(*, version: PolicyVersion, actor: User | SystemActor) -> Mailing:
    """Queue a failed notice again: it sends only to those who have not received it."""
    mailing = policy_notice_get(version)
    if mailing is None:
        raise ValidationError(_("This version has no change notice to resume."))
    if mailing.status != Mailing.Status.FAILED:
        raise ValidationError(_("Only a notice that failed can be resumed."))
    return mailing_queue(mailing=mailing, actor=actor)


def policy_acknowledge(*, version: PolicyVersion, subject: User) -> PolicyAcknowledgement:
    """Record that ``subject`` has read a materially changed version; a second time changes nothing.

    The customer is the actor: only they can acknowledge, for themself (the row names them).
    """
    if not version.material_change:
        raise ValidationError(_("This version has no material change to acknowledge."))
    acknowledgement, _created = PolicyAcknowledgement.objects.get_or_create(subject=subject, policy_version=version)
    return acknowledgement


__all__ = [
    "BANNER_DAYS_AFTER",
    "NOTICE_LEAD_DAYS",
    "ListedVersion",
    "VersionState",
    "notice_audience",
    "notice_message",
    "policy_acknowledge",
    "policy_banner_for",
    "policy_in_force",
    "policy_notice_get",
    "policy_notice_resume",
    "policy_notice_schedule",
    "policy_notices",
    "policy_upcoming",
    "policy_version_delete",
    "policy_version_get",
    "policy_version_is_locked",
    "policy_version_name_check",
    "policy_version_save",
    "policy_versions_listed",
]


for _model in (PolicyVersion, Mailing):
    post_save.connect(forget_announced_versions, sender=_model, dispatch_uid=f"consent_banner_{_model.__name__}_saved")
    post_delete.connect(forget_announced_versions, sender=_model, dispatch_uid=f"consent_banner_{_model.__name__}_gone")
