"""Writes of privacy policy versions (P-16): saving and deleting versions (the admin), scheduling and
resuming the change notice, a customer's acknowledgement, and the notice one customer receives.

The notice is an administrative message (no List-Unsubscribe, no opt-out) sent by the batched
sender ``apps.consent.mailing``: ``ConsentConfig.ready`` registers the POLICY_NOTICE kind with
``apps.consent.selectors.policy.notice_audience`` and ``notice_message``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.domain.policy import (
    LOCKED_FIELDS,
    NOTICE_LEAD_DAYS,
    policy_notice_earliest_effective_date,
    policy_version_name_check,
)
from apps.consent.mailing.queue import mailing_queue
from apps.consent.models import Mailing, PolicyAcknowledgement, PolicyVersion
from apps.consent.selectors.policy import policy_notice_get, policy_version_is_locked
from apps.core.actors import SystemActor, record_actor

# --- The notice one customer receives --------------------------------------------------------


def _version_url(version: PolicyVersion) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("consent:policy_version", args=[version.version])


def notice_message(mailing: Mailing, user: User) -> EmailMessage:
    """One recipient's notice, in their language, with absolute links to the new version."""
    version = mailing.policy_version
    if version is None:
        raise ValueError(f"policy notice {mailing.reference} has no policy version")
    with (
        translation.override(user.preferred_language or settings.LANGUAGE_CODE),
        timezone.override(user.local_time_zone),
    ):
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


# --- Versions ----------------------------------------------------------------------------------


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
    """Withdraw a version that has not taken effect and was never announced.

    Whatever else deletes, a version that was ever in force stays (the receiver in apps.consent.signals).
    """
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if policy_version_is_locked(version):
        raise ValidationError(_("A version that is in force, was in force or was announced cannot be deleted."))
    record_actor(version, actor=actor, reason="policy version deleted")
    version.delete()


# --- The change notice -------------------------------------------------------------------------


@transaction.atomic(durable=True)
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


@transaction.atomic(durable=True)
def policy_notice_resume(*, version: PolicyVersion, actor: User | SystemActor) -> Mailing:
    """Queue a failed notice again: it sends only to those who have not received it."""
    mailing = policy_notice_get(version)
    if mailing is None:
        raise ValidationError(_("This version has no change notice to resume."))
    if mailing.status != Mailing.Status.FAILED:
        raise ValidationError(_("Only a notice that failed can be resumed."))
    return mailing_queue(mailing=mailing, actor=actor)


# --- Acknowledgements --------------------------------------------------------------------------


@transaction.atomic(durable=True)
def policy_acknowledge(*, version: PolicyVersion, subject: User) -> PolicyAcknowledgement:
    """Record that ``subject`` has read a materially changed version; a second time changes nothing.

    The customer is the actor: only they can acknowledge, for themself (the row names them).
    """
    if not version.material_change:
        raise ValidationError(_("This version has no material change to acknowledge."))
    acknowledgement, _created = PolicyAcknowledgement.objects.get_or_create(subject=subject, policy_version=version)
    return acknowledgement
