"""The purge, with time moved forward: each seeded rule fires exactly when it should."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from apps.accounts.models import LoginEvent, User
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.core.actors import SystemActor
from apps.core.jobs import RetryLater
from apps.disclosures.models import DisclosureSubject
from apps.disclosures.selectors.register import verify_chain
from apps.personal_data.erasure.run import erasure_run, erasure_start
from apps.personal_data.models import DataExport, ErasureRun
from apps.retention.models import InactivityNotice, LegalHold, PurgeRun, RetentionRule
from apps.retention.purge import PurgeBusy, purge, purge_preview, purge_start
from tests.disclosures.factories import record
from tests.factories import LoginEventFactory, UserFactory

pytestmark = pytest.mark.django_db
START = timezone.make_aware(timezone.datetime(2025, 1, 15, 9, 0))
SYSTEM = SystemActor("tests")


def run_purge(rule: str = "") -> PurgeRun:
    # After-commit work (emails, file deletion) runs as it would outside the test's transaction.
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code=rule)
    assert run.status == PurgeRun.Status.COMPLETED, run.errors()
    return run


def counts(run: PurgeRun, rule: str) -> dict:
    return {k: v for k, v in run.progress[rule].items() if k in {"deleted", "anonymised", "erasures", "warned"} and v}


def hold(subject: User, officer: User, categories: list[str] | None = None) -> LegalHold:
    return LegalHold.objects.create(
        subject=subject,
        categories=categories or [],
        reason=LegalHold.Reason.UNPAID_DEBT,
        placed_by=officer,
        review_on=(timezone.now() + timedelta(days=90)).date(),
    )


def release(held: LegalHold, officer: User) -> None:
    held.released_at, held.released_by = timezone.now(), officer
    held.save()


def erase_now(user: User) -> ErasureRun:
    run = erasure_start(subject=user, actor=SYSTEM, reason="test", queue=False)
    return erasure_run(erasure_id=run.pk)


# --- Inactive accounts (P-40) -------------------------------------------------------------------


@pytest.fixture
def dormant():
    with time_machine.travel(START, tick=False):
        return UserFactory(email="dormant@example.test", full_name="Dora Dormant")


def at(moment, rule: str = "inactive-accounts") -> PurgeRun:
    with time_machine.travel(moment, tick=False):
        return run_purge(rule)


def test_it_warns_30_and_7_days_before_then_erases_on_the_day(dormant):
    due = START + relativedelta(months=12)
    assert counts(at(due - timedelta(days=30, minutes=1)), "inactive-accounts") == {}
    assert mail.outbox == []

    assert counts(at(due - timedelta(days=30)), "inactive-accounts") == {"warned": 1}
    assert [m.to for m in mail.outbox] == [["dormant@example.test"]]
    assert "15 Jan 2026" in mail.outbox[0].subject  # the English date format
    assert counts(at(due - timedelta(days=29)), "inactive-accounts") == {}  # once only

    assert counts(at(due - timedelta(days=7, minutes=1)), "inactive-accounts") == {}
    assert counts(at(due - timedelta(days=7)), "inactive-accounts") == {"warned": 1}
    assert len(mail.outbox) == 2
    assert counts(at(due - timedelta(minutes=1)), "inactive-accounts") == {}
    assert User.objects.get(pk=dormant.pk).status == User.Status.ACTIVE

    assert counts(at(due), "inactive-accounts") == {"erasures": 1}
    erased = User.objects.get(pk=dormant.pk)
    assert erased.status == User.Status.CLOSED
    assert erased.full_name == ""
    assert not erased.is_active
    assert "dormant" not in erased.email
    certificate = ErasureRun.objects.get(subject_id=dormant.pk).certificate
    assert certificate["requested_by"] == "system:retention:inactive-accounts"


def test_it_keeps_an_account_whose_owner_signs_in_after_the_warning(dormant):
    due = START + relativedelta(months=12)
    at(due - timedelta(days=30))
    with time_machine.travel(due - timedelta(days=20), tick=False):
        User.objects.filter(pk=dormant.pk).update(last_login=timezone.now())
    assert counts(at(due - timedelta(days=7)), "inactive-accounts") == {}
    assert counts(at(due + timedelta(days=1)), "inactive-accounts") == {}
    assert User.objects.get(pk=dormant.pk).status == User.Status.ACTIVE
    # The new spell of inactivity starts its own warnings, a year after the sign-in.
    later = due - timedelta(days=20) + relativedelta(months=12)
    assert counts(at(later - timedelta(days=30)), "inactive-accounts") == {"warned": 1}


def test_a_late_final_warning_still_gives_its_full_notice(dormant):
    due = START + relativedelta(months=12)
    at(due - timedelta(days=30))
    # The daily job did not run for a while: the 7-day warning goes out two days before the
    # date, so the date moves to give the person the 7 days they were promised.
    late = due - timedelta(days=2)
    assert counts(at(late), "inactive-accounts") == {"warned": 1}
    notice = InactivityNotice.objects.get(days_before=7)
    assert notice.purge_on == late + timedelta(days=7)
    assert counts(at(due + timedelta(days=1)), "inactive-accounts") == {}
    assert counts(at(late + timedelta(days=7)), "inactive-accounts") == {"erasures": 1}


def test_it_never_purges_staff_accounts(officer):
    User.objects.filter(pk=officer.pk).update(date_joined=START, last_login=None)
    at(START + relativedelta(months=12) - timedelta(days=30))
    assert mail.outbox == []
    assert not InactivityNotice.objects.exists()


def test_a_hold_on_everything_keeps_an_inactive_account_until_released(dormant, officer):
    due = START + relativedelta(months=12)
    at(due - timedelta(days=30))
    at(due - timedelta(days=7))
    held = hold(dormant, officer)
    run = at(due)
    assert run.progress["inactive-accounts"]["held_back"] == 1
    assert User.objects.get(pk=dormant.pk).status == User.Status.ACTIVE
    release(held, officer)
    assert counts(at(due + timedelta(days=1)), "inactive-accounts") == {"erasures": 1}


# --- Account deletion, and holds released later (P-32, P-42) -------------------------------------


def test_a_partly_held_erasure_completes_on_the_run_after_the_hold_is_released(customer, officer):
    LoginEventFactory(user=customer)
    held = hold(customer, officer, ["technical"])
    first = erase_now(customer)
    assert first.status == ErasureRun.Status.PARTIAL
    assert LoginEvent.objects.filter(user=customer).exists()  # the held category stays
    assert [h["reference"] for h in first.certificate["holds"]] == [str(held.reference)]

    assert counts(run_purge("account-deletion"), "account-deletion") == {}  # still held
    release(held, officer)
    assert counts(run_purge("account-deletion"), "account-deletion") == {"erasures": 1}
    assert not LoginEvent.objects.filter(user=customer).exists()
    assert ErasureRun.objects.filter(subject_id=customer.pk).latest("pk").status == ErasureRun.Status.COMPLETED
    assert counts(run_purge("account-deletion"), "account-deletion") == {}  # done once


# --- Rows by age --------------------------------------------------------------------------------


def test_login_history_goes_after_exactly_12_months_except_what_a_hold_covers(customer, other_customer, officer):
    now = timezone.now()
    old = LoginEventFactory(user=customer, occurred_at=now - relativedelta(months=12) - timedelta(minutes=1))
    recent = LoginEventFactory(user=customer, occurred_at=now - relativedelta(months=12) + timedelta(minutes=1))
    held_old = LoginEventFactory(user=other_customer, occurred_at=now - relativedelta(months=13))
    hold(other_customer, officer, ["technical"])
    hold(customer, officer, ["financial"])  # covers other data: keeps nothing here
    with time_machine.travel(now, tick=False):
        run = run_purge("login-history")
    assert run.progress["login-history"]["deleted"] == 1
    assert run.progress["login-history"]["held_back"] == 1
    assert set(LoginEvent.objects.values_list("pk", flat=True)) == {recent.pk, held_old.pk}
    assert not LoginEvent.objects.filter(pk=old.pk).exists()


def test_data_exports_go_with_their_files_after_7_days(customer):
    export = DataExport.objects.create(subject=customer, status=DataExport.Status.READY)
    export.file.save("export.zip", ContentFile(b"PK zip"), save=True)
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)
    assert counts(at(timezone.now() + timedelta(days=6, hours=23), "data-exports"), "data-exports") == {}
    assert counts(at(timezone.now() + timedelta(days=7, minutes=1), "data-exports"), "data-exports") == {"deleted": 1}
    assert not DataExport.objects.filter(pk=export.pk).exists()
    assert not storage.exists(name)


def test_a_file_storage_could_not_delete_is_tried_again_and_the_run_ends_only_when_it_is_gone(customer, monkeypatch):
    export = DataExport.objects.create(subject=customer, status=DataExport.Status.READY)
    export.file.save("export.zip", ContentFile(b"PK zip"), save=True)
    storage, name = export.file.storage, export.file.name

    def storage_away(self, name):
        raise PermissionError("storage unavailable")

    later = timezone.now() + timedelta(days=8)
    with monkeypatch.context() as away, time_machine.travel(later, tick=False):
        away.setattr(FileSystemStorage, "delete", storage_away)
        with TestCase.captureOnCommitCallbacks(execute=True), pytest.raises(RetryLater, match="1 file"):
            purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code="data-exports")
    run = PurgeRun.objects.get()
    assert run.status == PurgeRun.Status.RUNNING  # its job is tried again later
    assert not DataExport.objects.filter(pk=export.pk).exists()
    pending = {"model": DataExport._meta.label, "field": "file", "name": name}
    assert run.progress["data-exports"]["pending_files"] == [pending]
    assert storage.exists(name)

    with time_machine.travel(later + timedelta(minutes=5), tick=False):
        resumed = run_purge("data-exports")  # the next delivery of the run's job
    assert resumed.pk == run.pk
    assert resumed.progress["data-exports"]["pending_files"] == []
    assert resumed.progress["data-exports"]["files_deleted"] == 1
    assert not storage.exists(name)


def test_social_tokens_go_once_the_sign_in_they_served_is_an_hour_old(customer):
    app = SocialApp.objects.create(provider="google", name="Google", client_id="id", secret="s")
    account = SocialAccount.objects.create(user=customer, provider="google", uid="1")
    token = SocialToken.objects.create(app=app, account=account, token="t")
    SocialAccount.objects.filter(pk=account.pk).update(last_login=timezone.now())
    assert counts(at(timezone.now() + timedelta(minutes=59), "social-tokens"), "social-tokens") == {}
    assert counts(at(timezone.now() + timedelta(minutes=61), "social-tokens"), "social-tokens") == {"deleted": 1}
    assert not SocialToken.objects.filter(pk=token.pk).exists()
    assert SocialAccount.objects.filter(pk=account.pk).exists()  # the link to Google stays


# --- After closure: consent proof and kept records (P-14, P-41) -----------------------------------


def choice(user: User) -> ConsentEvent:
    purpose = Purpose.objects.filter(is_marketing=True).first()
    context = Context(method=ConsentEvent.Method.ACCOUNT_PAGE)
    return consent_record(purpose=purpose, granted=True, context=context, actor=user, subject=user)


# A closure on a date every year has (on 29 February "exactly 5 years" is 1 March: test_rules.py).
@time_machine.travel(datetime(2027, 3, 10, 9, 0, tzinfo=UTC), tick=True)
def test_consent_proof_outlives_the_account_by_exactly_5_years(customer, other_customer):
    choice(customer)
    kept_for_active = choice(other_customer)
    closed_at = timezone.now()
    with time_machine.travel(closed_at, tick=False):
        erase_now(customer)
    assert ConsentEvent.objects.filter(subject__isnull=True).count() == 1  # proof kept, by reference
    just_before = at(closed_at + relativedelta(years=5) - timedelta(minutes=1), "consent-evidence")
    assert counts(just_before, "consent-evidence") == {}
    run = at(closed_at + relativedelta(years=5, minutes=1), "consent-evidence")
    assert counts(run, "consent-evidence") == {"deleted": 1}
    assert list(ConsentEvent.objects.values_list("pk", flat=True)) == [kept_for_active.pk]


def test_closed_account_records_are_anonymised_5_years_after_closure(customer, other_customer, officer):
    closed_at = timezone.now()
    with time_machine.travel(closed_at, tick=False):
        erase_now(customer)
        erase_now(other_customer)
    hold(other_customer, officer, ["account"])
    assert User.history.filter(id=customer.pk).exists()
    run = at(closed_at + relativedelta(years=5, days=1), "closed-account-records")
    assert counts(run, "closed-account-records") == {"anonymised": 1}
    assert run.progress["closed-account-records"]["held_back"] == 1
    anonymised = User.objects.get(pk=customer.pk)
    assert anonymised.email == f"anonymised-{customer.pk}@invalid"
    assert anonymised.date_joined == anonymised.closed_at
    assert not User.history.filter(id=customer.pk).exists()
    assert User.objects.get(pk=other_customer.pk).email.startswith("erased-")  # held
    again = at(closed_at + relativedelta(years=5, days=2), "closed-account-records")
    assert counts(again, "closed-account-records") == {}


def test_disclosure_records_lose_their_account_link_after_5_years_and_the_chain_still_verifies(customer, officer):
    record(actor=officer, subjects=[customer], disclosed_at=timezone.now() - relativedelta(years=5, days=1))
    recent = record(actor=officer, subjects=[customer], disclosed_at=timezone.now() - relativedelta(years=4))
    run = run_purge("disclosure-records")
    assert counts(run, "disclosure-records") == {"anonymised": 1}
    assert list(DisclosureSubject.objects.filter(subject=customer).values_list("disclosure_id", flat=True)) == [
        recent.pk
    ]
    assert DisclosureSubject.objects.count() == 2  # the pseudonymous reference stays in the sealed entry
    assert verify_chain()[1] is None
    assert counts(run_purge("disclosure-records"), "disclosure-records") == {}


# --- The dry run and the command ----------------------------------------------------------------


def test_the_dry_run_counts_what_a_run_would_take_and_changes_nothing(customer, other_customer, officer):
    old = timezone.now() - relativedelta(months=13)
    LoginEventFactory.create_batch(3, user=customer, occurred_at=old)
    LoginEventFactory.create_batch(2, user=other_customer, occurred_at=old)
    hold(other_customer, officer)
    out = StringIO()
    call_command("purge", "--dry-run", "--rule", "login-history", stdout=out)
    report = json.loads(out.getvalue())
    assert report["rules"][0]["would_delete"] == 3
    assert report["rules"][0]["held_back"] == 2
    assert LoginEvent.objects.count() == 5
    assert not PurgeRun.objects.exists()
    assert {r["rule"] for r in purge_preview()} == set(RetentionRule.objects.values_list("code", flat=True))


def test_the_command_runs_the_purge_and_refuses_unknown_rules(customer):
    LoginEventFactory(user=customer, occurred_at=timezone.now() - relativedelta(months=13))
    out = StringIO()
    call_command("purge", "--rule", "login-history", stdout=out)
    result = json.loads(out.getvalue())
    assert result["status"] == "completed"
    assert result["totals"]["deleted"] == 1
    with pytest.raises(CommandError, match="No retention rule"):
        call_command("purge", "--rule", "no-such-rule")
    assert PurgeRun.objects.count() == 1


def test_a_disabled_rule_does_nothing(customer):
    LoginEventFactory(user=customer, occurred_at=timezone.now() - relativedelta(months=13))
    RetentionRule.objects.filter(code="login-history").update(enabled=False)
    run = run_purge()
    assert "login-history" not in run.progress
    assert LoginEvent.objects.count() == 1


# --- One run at a time; a dead run resumes ------------------------------------------------------


def test_a_second_run_while_one_is_live_does_nothing(customer):
    LoginEventFactory(user=customer, occurred_at=timezone.now() - relativedelta(months=13))
    claim = purge_start(triggered_by=PurgeRun.Trigger.SCHEDULE)
    with pytest.raises(PurgeBusy):
        purge(triggered_by=PurgeRun.Trigger.COMMAND)
    with pytest.raises(CommandError, match="already running"):
        call_command("purge")
    assert PurgeRun.objects.count() == 1
    assert LoginEvent.objects.count() == 1
    assert claim.run_pk == PurgeRun.objects.get().pk


def test_a_run_whose_worker_died_is_taken_over_and_finished(customer, settings):
    settings.RETENTION_PURGE_BATCH_SIZE = 2
    LoginEventFactory.create_batch(5, user=customer, occurred_at=timezone.now() - relativedelta(months=13))
    dead = purge_start(triggered_by=PurgeRun.Trigger.SCHEDULE, rule_code="login-history")
    # Its worker vanished: no batch done, and its lease runs out.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        run = run_purge()
    assert run.pk == dead.run_pk
    assert run.attempts == 2
    assert run.progress["login-history"]["deleted"] == 5
    assert LoginEvent.objects.count() == 0


def test_a_hold_on_any_category_the_rule_touches_keeps_the_rows(customer, officer):
    # Login history is filed under "technical", but login times are "usage": a hold on usage keeps it.
    LoginEventFactory(user=customer, occurred_at=timezone.now() - relativedelta(months=13))
    hold(customer, officer, ["usage"])
    run = run_purge("login-history")
    assert run.progress["login-history"]["held_back"] == 1
    assert LoginEvent.objects.filter(user=customer).count() == 1


def test_a_warning_that_could_not_be_sent_is_sent_on_the_next_run_before_any_erasure(dormant, settings):
    due = START + relativedelta(months=12)
    settings.EMAIL_BACKEND = "tests.retention.test_purge.FailingBackend"
    run = at(due - timedelta(days=30))
    assert run.progress["inactive-accounts"].get("warnings_failed") == 1
    assert not InactivityNotice.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert counts(at(due - timedelta(days=29)), "inactive-accounts") == {"warned": 1}
    # The account is erased only once both warnings went out and the last one's notice ran.
    assert counts(at(due), "inactive-accounts") == {"warned": 1}
    assert User.objects.get(pk=dormant.pk).status == User.Status.ACTIVE


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")
