"""The people affected, found through the registry, notified once each in their language, and
still counted after one of them is erased."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.breaches.models import AffectedPerson
from apps.breaches.selectors.people import Selection, affected_counts, affected_people
from apps.breaches.services.notices import breach_people_notify
from apps.breaches.services.people import accounts_from_csv, affected_set_freeze
from apps.consent.mailing.send import mailing_send
from apps.consent.models import MailingDelivery
from apps.core.actors import SystemActor
from apps.core.jobs import job_run_here
from apps.personal_data.domain import subject_reference
from apps.personal_data.erasure.run import erasure_run, erasure_start
from apps.personal_data.registry import entries
from tests.breaches.helpers import open_breach
from tests.factories import UserFactory
from tests.service_data.factories import CallRecordFactory, InvoiceFactory, UsageEventFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 14, 10, 0, tzinfo=UTC)
CATEGORIES = ("communications", "financial")


def registry_holders(categories: tuple[str, ...]) -> set[int]:
    """Who holds data of these categories, asked person by person through each entry's own
    subject filter (the one export and erasure use): the cross-check of the set-based finder."""
    matching = [entry for entry in entries() if set(categories) & set(entry.categories())]
    return {
        user.pk
        for user in User.objects.all()
        if any(entry.model._base_manager.filter(entry.subject_q(user)).exists() for entry in matching)
    }


@pytest.fixture
def seeded(db):
    """A small population: callers, payers, both, and people with other data only."""
    people = {
        "caller": UserFactory(email="caller@example.test", country="GB", preferred_language="en"),
        "payer": UserFactory(email="payer@example.test", country="VN", preferred_language="vi"),
        "both": UserFactory(email="both@example.test", country="FR", preferred_language="en"),
        "listener": UserFactory(email="listener@example.test", country="GB", preferred_language="en"),
        "quiet": UserFactory(email="quiet@example.test", country="US", preferred_language="en"),
    }
    CallRecordFactory(owner=people["caller"])
    InvoiceFactory(customer=people["payer"])
    CallRecordFactory(owner=people["both"])
    InvoiceFactory(customer=people["both"])
    UsageEventFactory(owner=people["listener"])
    return people


def test_it_finds_exactly_the_registrys_holders_of_two_categories(seeded, officer):
    found = affected_people(Selection(categories=CATEGORIES))
    assert set(found.people.values_list("pk", flat=True)) == registry_holders(CATEGORIES)
    assert {seeded[n].pk for n in ("caller", "payer", "both")} <= registry_holders(CATEGORIES)
    assert seeded["listener"].pk not in registry_holders(CATEGORIES)
    assert {"model": "service_data.CallRecord", "time_field": "", "subject": "owner"} in found.query["searched"]


def test_it_counts_by_jurisdiction_and_language_in_one_query(seeded, django_assert_num_queries):
    found = affected_people(
        Selection(categories=CATEGORIES, models=("service_data.CallRecord", "service_data.Invoice"))
    )
    with django_assert_num_queries(1):
        counts = affected_counts(found.people)
    assert counts == {"total": 3, "by_jurisdiction": {"eu": 1, "uk": 1, "vn": 1}, "by_language": {"en": 2, "vi": 1}}


def test_it_limits_to_a_time_window(seeded):
    later = _now_minus(0) + timedelta(days=30)
    with time_machine.travel(later, tick=False):
        CallRecordFactory(owner=seeded["listener"])
    found = affected_people(Selection(models=("service_data.CallRecord",), since=later - timedelta(days=1)))
    assert list(found.people.values_list("email", flat=True)) == ["listener@example.test"]


def test_it_refuses_a_selection_naming_unknown_things():
    with pytest.raises(ValidationError) as error:
        affected_people(Selection(categories=("secrets",), models=("nowhere.Model",)))
    assert "nowhere.Model" in str(error.value)
    assert "secrets" in str(error.value)
    with pytest.raises(ValidationError, match="Choose data categories"):
        affected_people(Selection())


def test_it_reads_an_officers_csv_and_names_every_bad_row(seeded):
    good = f"account\nCALLER@example.test\n{seeded['payer'].reference}\n{seeded['quiet'].pk}\n"
    assert accounts_from_csv(good.encode()) == sorted([seeded["caller"].pk, seeded["payer"].pk, seeded["quiet"].pk])
    with pytest.raises(ValidationError) as error:
        accounts_from_csv(b"caller@example.test\nnobody@example.test\nnot a thing\n999999\n")
    assert error.value.messages == [
        "Row 2: no account matches it.",
        "Row 3: not an email address, account reference or id.",
        "Row 4: no account matches it.",
    ]
    with pytest.raises(ValidationError, match="UTF-8"):
        accounts_from_csv(b"\xff\xfe\x00")
    with pytest.raises(ValidationError, match="no accounts"):
        accounts_from_csv(b"email\n\n")


def test_a_breach_over_two_categories_notifies_each_person_once_in_their_language_and_survives_an_erasure(
    seeded, officer, mailoutbox
):
    breach = open_breach(officer, aware_at=_now_minus(2))
    frozen = affected_set_freeze(
        breach=breach, selection=Selection(categories=CATEGORIES, account_ids=(seeded["quiet"].pk,)), actor=officer
    )
    expected = registry_holders(CATEGORIES) | {seeded["quiet"].pk}
    assert frozen.total == len(expected)
    assert set(AffectedPerson.objects.filter(affected_set=frozen).values_list("subject_id", flat=True)) == expected
    assert frozen.query["listed_accounts"] == 1

    breach.notice_summary_en = "A backup with call records and invoices was readable online for two days."
    breach.notice_summary_vi = "Một bản sao lưu có dữ liệu cuộc gọi và hóa đơn đã bị lộ trên mạng trong hai ngày."
    breach.notice_advice_en = "Watch for emails asking for payment details."
    breach.save()
    mailing = breach_people_notify(breach=breach, actor=officer)
    assert mailing.audience_size == len(expected)
    job_run_here(kind=mailing.JOB_KIND, target=mailing.pk)
    mailing_send(mailing_id=mailing.pk)  # a second run (a restarted worker) sends nobody anything

    by_address = {}
    for message in mailoutbox:
        by_address.setdefault(message.to[0], []).append(message)
    assert sorted(by_address) == sorted(User.objects.filter(pk__in=expected).values_list("email", flat=True))
    assert all(len(messages) == 1 for messages in by_address.values())
    assert "bị lộ trên mạng" in by_address["payer@example.test"][0].body
    assert "readable online" in by_address["caller@example.test"][0].body
    assert "dpo@example.test" in by_address["caller@example.test"][0].body

    rows = AffectedPerson.objects.filter(affected_set=frozen)
    assert rows.filter(notified_at__isnull=True).count() == 0
    assert rows.get(subject=seeded["payer"]).notified_language == "vi"

    payer_reference = subject_reference(seeded["payer"])
    run = erasure_start(subject=seeded["payer"], actor=SystemActor("test"), reason="erasure request")
    erasure_run(erasure_id=run.pk)

    kept = AffectedPerson.objects.get(affected_set=frozen, subject_reference=payer_reference)
    assert kept.subject_id is None
    assert kept.language == ""
    assert kept.jurisdiction == ""
    assert kept.notified_language == ""
    assert kept.notified_at is not None  # the proof they were told stays
    frozen.refresh_from_db()
    assert frozen.total == len(expected)
    assert frozen.by_language == {"en": len(expected) - 1, "vi": 1}
    assert not MailingDelivery.objects.filter(subject_id=seeded["payer"].pk).exists()
    assert "payer@example.test" not in str(frozen.query)


def _now_minus(hours: int):
    from django.utils import timezone

    return timezone.now() - timedelta(hours=hours)


def test_it_will_not_refreeze_once_the_people_are_told(seeded, officer):
    breach = open_breach(officer, aware_at=_now_minus(1))
    affected_set_freeze(breach=breach, selection=Selection(categories=CATEGORIES), actor=officer)
    breach.notice_summary_en, breach.notice_advice_en = "What happened.", "What to do."
    breach.save()
    breach_people_notify(breach=breach, actor=officer)
    with pytest.raises(ValidationError, match="already been sent"):
        breach_people_notify(breach=breach, actor=officer)
    with pytest.raises(ValidationError, match="stays as it is"):
        affected_set_freeze(breach=breach, selection=Selection(categories=CATEGORIES), actor=officer)


def test_a_refused_message_leaves_no_proof_and_a_resume_tells_only_the_rest(seeded, officer, settings, monkeypatch):
    from django.core import mail

    from apps.breaches.services.notices import breach_people_notify_resume
    from apps.consent.mailing import send
    from tests.consent.mail_backends import FailOnceBackend

    breach = open_breach(officer, aware_at=_now_minus(1))
    frozen = affected_set_freeze(breach=breach, selection=Selection(categories=CATEGORIES), actor=officer)
    breach.notice_summary_en, breach.notice_advice_en = "What happened.", "What to do."
    breach.save()
    monkeypatch.setattr(send, "BATCH_SIZE", 2)
    FailOnceBackend.failed.clear()
    settings.EMAIL_BACKEND = "tests.consent.mail_backends.FailOnceBackend"
    ordered = sorted(AffectedPerson.objects.filter(affected_set=frozen).values_list("subject_id", flat=True))
    settings.TEST_EMAIL_FAIL_ONCE_FOR = User.objects.get(pk=ordered[-1]).email
    mailing = breach_people_notify(breach=breach, actor=officer)
    with pytest.raises(Exception, match="mailbox busy"):
        mailing_send(mailing_id=mailing.pk)
    told = AffectedPerson.objects.filter(affected_set=frozen, notified_at__isnull=False)
    assert sorted(told.values_list("subject_id", flat=True)) == ordered[:-1]
    assert len(mail.outbox) == len(ordered) - 1

    breach_people_notify_resume(breach=breach, actor=officer)
    mailing_send(mailing_id=mailing.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        User.objects.filter(pk__in=ordered).values_list("email", flat=True)
    )
    assert not AffectedPerson.objects.filter(affected_set=frozen, notified_at__isnull=True).exists()


def test_the_frozen_counts_are_those_of_the_rows_frozen_even_when_people_join_meanwhile(seeded, officer):
    from django.db.models.signals import post_save

    from apps.breaches.models import AffectedSet

    def another_writer(sender, instance, created, **kwargs):
        # Someone's first call is recorded while the set is being frozen (another transaction in
        # production; here the moment between the set's creation and its rows).
        if created:
            CallRecordFactory(owner=UserFactory(email="latecomer@example.test", country="GB"))

    breach = open_breach(officer, aware_at=_now_minus(1))
    post_save.connect(another_writer, sender=AffectedSet)
    try:
        frozen = affected_set_freeze(breach=breach, selection=Selection(categories=CATEGORIES), actor=officer)
    finally:
        post_save.disconnect(another_writer, sender=AffectedSet)
    frozen.refresh_from_db()
    rows = AffectedPerson.objects.filter(affected_set=frozen)
    assert frozen.total == rows.count() == 4
    assert sum(frozen.by_jurisdiction.values()) == sum(frozen.by_language.values()) == 4
    assert frozen.by_jurisdiction["uk"] == rows.filter(jurisdiction="uk").count() == 2
