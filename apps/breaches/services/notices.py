"""Writes of notifications: the authority's (a submission recorded against its clock), the
people's (through the consent app's batched sender), and the public notice."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.breaches.models import AffectedPerson, AuthoritySubmission, Breach, BreachClock, Recipient
from apps.breaches.selectors.notices import authority_document_text, people_notice_texts
from apps.breaches.selectors.people import latest_affected_set
from apps.breaches.services.clocks import breach_clock_record_done, breach_clocks_sync, people_notice_clocks_done
from apps.consent.mailing.kinds import MAILING_KINDS, MailingKind
from apps.consent.mailing.queue import mailing_queue
from apps.consent.models import Mailing
from apps.core.actors import SystemActor, record_actor


@transaction.atomic
def authority_submission_record(
    *,
    clock: BreachClock,
    phase: str,
    submitted_at: datetime,
    method: str,
    authority_reference: str = "",
    delay_reason: str = "",
    actor: User,
) -> AuthoritySubmission:
    """Record that the authority's notification (or a later phase of it) was submitted: the
    document as it stood, when, how and the authority's reference. The first stops the clock."""
    # Locked: two officers recording the first submission at once would otherwise both record it.
    clock = BreachClock.objects.select_for_update().select_related("rule__jurisdiction", "breach").get(pk=clock.pk)
    if not clock.breach.is_open:
        raise ValidationError(_("A closed breach is kept as it was closed."))
    if phase == AuthoritySubmission.Phase.INITIAL and clock.submissions.exists():
        raise ValidationError({"phase": _("The initial notification is already recorded: record a later phase.")})
    if clock.rule.recipient == Recipient.PEOPLE:
        raise ValidationError(_("The people are notified by email from the breach's page, not recorded here."))
    if phase != AuthoritySubmission.Phase.INITIAL and not clock.rule.phased:
        raise ValidationError({"phase": _("This authority takes the notification in one go.")})
    if phase != AuthoritySubmission.Phase.INITIAL and not clock.submissions.exists():
        raise ValidationError({"phase": _("Record the initial notification first.")})
    breach_clock_record_done(clock=clock, done_at=submitted_at, delay_reason=delay_reason, actor=actor)
    submission = AuthoritySubmission(
        breach=clock.breach,
        clock=clock,
        phase=phase,
        submitted_at=submitted_at,
        method=method,
        authority_reference=authority_reference.strip(),
        document=authority_document_text(clock.breach, clock),
        submitted_by=actor,
    )
    submission.full_clean()
    submission.save()
    return submission


@transaction.atomic
def breach_people_notify(*, breach: Breach, actor: User | SystemActor, delay_reason: str = "") -> Mailing:
    """Send the people's notice (Art. 34) to everyone in the breach's frozen set, once each, in
    their language, through the batched sender; a late notice needs the reasons for its delay."""
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if not breach.is_open:
        raise ValidationError(_("A closed breach is kept as it was closed."))
    if breach.mailing_id is not None:
        raise ValidationError(_("The people's notice has already been sent or is being sent."))
    affected = latest_affected_set(breach)
    if affected is None or not affected.total:
        raise ValidationError(_("Find the people affected first: there is nobody to notify."))
    if not breach.notice_summary_en.strip() or not breach.notice_advice_en.strip():
        raise ValidationError(_("Write what happened and what people can do (in English at least) first."))
    late = [
        clock
        for clock in breach.clocks.filter(rule__recipient=Recipient.PEOPLE, status=BreachClock.Status.RUNNING)
        if clock.due_at is not None and timezone.now() > clock.due_at
    ]
    if late and not delay_reason.strip():
        raise ValidationError({"delay_reason": _("The people's notice is late: record the reasons for the delay.")})
    for clock in late:
        clock.delay_reason = delay_reason.strip()
        record_actor(clock, actor=actor, reason="delay reasons given")
        clock.save(update_fields=["delay_reason", "updated_at"])
    mailing = Mailing.objects.create(
        kind=Mailing.Kind.BREACH_NOTICE,
        subject_line=f"{breach.number} {breach.title}"[:200],
        body=breach.notice_summary_en,
        created_by=actor if isinstance(actor, User) else None,
    )
    breach.mailing = mailing
    if breach.decision == Breach.Decision.UNDECIDED:
        breach.decision = Breach.Decision.NOTIFY
        breach.decision_reasoning = breach.decision_reasoning or _("The people affected were notified.")
    record_actor(breach, actor=actor, reason="people's notice queued")
    breach.save(update_fields=["mailing", "decision", "decision_reasoning", "updated_at"])
    return mailing_queue(mailing=mailing, actor=actor)


@transaction.atomic
def breach_people_notify_resume(*, breach: Breach, actor: User | SystemActor) -> Mailing:
    """Send the rest of a people's notice whose sending failed (the mail server refused): those
    already told are not told again."""
    breach = Breach.objects.select_related("mailing").get(pk=breach.pk)
    if breach.mailing is None or breach.mailing.status != Mailing.Status.FAILED:
        raise ValidationError(_("Only a notice whose sending failed can be resumed."))
    return mailing_queue(mailing=breach.mailing, actor=actor)


@transaction.atomic
def breach_public_notice_publish(*, breach: Breach, actor: User) -> Breach:
    """Publish the notice on the public page, for when telling each person would take
    disproportionate effort (Art. 34(3)(c))."""
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if not breach.is_open:
        raise ValidationError(_("A closed breach is kept as it was closed."))
    if not breach.notice_summary_en.strip() or not breach.notice_advice_en.strip():
        raise ValidationError(_("Write what happened and what people can do (in English at least) first."))
    if breach.public_notice_at is None:
        breach.public_notice_at = timezone.now()
        record_actor(breach, actor=actor, reason="public notice published")
        breach.save(update_fields=["public_notice_at", "updated_at"])
        # The public notice is how the people are told (Art. 34(3)(c)): it stops their clocks, late
        # ones with their reasons owed as for the emails.
        clocks = breach.clocks.select_for_update().select_related("rule").filter(rule__recipient=Recipient.PEOPLE)
        people_notice_clocks_done(clocks, done_at=breach.public_notice_at, actor=actor)
    return breach


# --- The batched sender's kind -----------------------------------------------------------------


def _breach_of(mailing: Mailing) -> Breach:
    return Breach.objects.select_related("officer").get(mailing=mailing)


def _people_rows(mailing: Mailing) -> QuerySet[AffectedPerson]:
    breach = _breach_of(mailing)
    affected = latest_affected_set(breach)
    return AffectedPerson.objects.filter(affected_set=affected)


def notice_audience(mailing: Mailing) -> QuerySet[User]:
    """Everyone in the frozen set whose account still exists (erasure clears the link)."""
    people = _people_rows(mailing).filter(subject__isnull=False).values("subject_id")
    return User.objects.filter(pk__in=people).order_by("pk")


def notice_message(mailing: Mailing, user: User) -> EmailMessage:
    """One person's notice, in their language: Art. 34(2)'s items in plain words."""
    breach = _breach_of(mailing)
    language = user.preferred_language if user.preferred_language in dict(settings.LANGUAGES) else "en"
    with translation.override(language), timezone.override(user.local_time_zone):
        context = {
            "user": user,
            "breach": breach,
            **people_notice_texts(breach, language),
            "notice_url": settings.SITE_URL.rstrip("/") + reverse("breaches:notice", args=[breach.reference]),
        }
        subject = render_to_string("breaches/email/people_notice_subject.txt", context).strip()
        body = render_to_string("breaches/email/people_notice_body.txt", context)
    # Administrative mail that the law requires: no unsubscribe.
    return EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


def _delivered(mailing: Mailing, account_ids: list[int]) -> None:
    # Proof per person that outlives the account: the sender's own record goes with erasure.
    rows = _people_rows(mailing).filter(subject_id__in=account_ids)
    languages = dict(User.objects.filter(pk__in=account_ids).values_list("pk", "preferred_language"))
    now = timezone.now()
    for language in set(languages.values()):
        ids = [pk for pk, value in languages.items() if value == language]
        rows.filter(subject_id__in=ids).update(notified_at=now, notified_language=language or "en")


def _forgotten(mailing: Mailing, account_ids: list[int]) -> None:
    _people_rows(mailing).filter(subject_id__in=account_ids).update(notified_at=None, notified_language="")


def connect_mailing_kind() -> None:
    MAILING_KINDS[Mailing.Kind.BREACH_NOTICE] = MailingKind(
        audience=notice_audience, build_message=notice_message, delivered=_delivered, forgotten=_forgotten
    )


def breach_notice_finished(*, breach: Breach, actor: User | SystemActor) -> None:
    """After the mailing is sent: stop the people's clocks (beat's sync does it too)."""
    breach_clocks_sync(breach=breach, actor=actor)
