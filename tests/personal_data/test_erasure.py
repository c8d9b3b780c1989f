"""The erasure engine, run in-process: what goes, what stays, and the certificate."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialToken
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.hashers import is_password_usable
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Artist, ArtistFollow, Follow, LoginEvent, PublicProfile, User
from apps.core.actors import SystemActor, record_actor
from apps.core.jobs import jobs_reconcile
from apps.core.models import Job
from apps.personal_data.erasure import checkpoint
from apps.personal_data.erasure.batches import FilesPending
from apps.personal_data.erasure.certificate import ENGINE_VERSION
from apps.personal_data.erasure.plan import erasure_plan
from apps.personal_data.erasure.run import MAX_ATTEMPTS, erasure_carry_out_here, erasure_run, erasure_start
from apps.personal_data.export.run import export_request
from apps.personal_data.models import DataExport, ErasureRun
from apps.personal_data.registry import Hold, entries, register_hold_provider, unregister_hold_provider
from tests.factories import LoginEventFactory, PublicProfileFactory, UserFactory

ACTOR = SystemActor("tests")


def build_subject(email: str, *, tag: str, logins: int = 3, staff: User | None = None) -> User:
    """A customer with something in every registered table, and several history versions."""
    user = UserFactory(email=email, full_name=f"Name {tag}", phone="+44 20 7946 0001", mailing_address=f"1 {tag} Road")
    for version in range(3):
        user.full_name = f"Name {tag} v{version}"
        user.mailing_address = f"{version} {tag} Street"
        record_actor(user, actor=user, reason=f"changed name to Name {tag} v{version}")
        user.save()
    user.profile_picture.save("me.jpg", ContentFile(b"\xff\xd8 picture of " + tag.encode()), save=True)
    for _ in range(logins):
        LoginEventFactory(user=user, user_agent=f"Agent {tag}")
    profile = PublicProfileFactory(user=user, handle=f"h-{tag}", display_name=f"Display {tag}")
    profile.display_name = f"Display {tag} later"
    profile.save()
    other = UserFactory(email=f"friend-of-{tag}@example.test")
    Follow.objects.create(follower=user, followed=other)
    Follow.objects.create(follower=other, followed=user)
    ArtistFollow.objects.create(user=user, artist=Artist.objects.create(name=f"Artist for {tag}"))
    account = SocialAccount.objects.create(user=user, provider="google", uid=f"uid-{tag}", extra_data={"name": tag})
    SocialToken.objects.create(account=account, token=f"token-{tag}", token_secret=f"refresh-{tag}")
    address = EmailAddress.objects.create(user=user, email=f"second-{tag}@example.test", verified=False)
    EmailConfirmation.objects.create(email_address=address, key=f"key-{tag}", sent=timezone.now())
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": f"secret-{tag}"})
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    UserSession.objects.create(
        user=user, session_key=store.session_key, ip="198.51.100.7", user_agent=f"Agent {tag}", data={"t": tag}
    )
    staff = staff or UserFactory(email=f"staff-for-{tag}@example.test", is_staff=True)
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=user.email,
        action_flag=CHANGE,
        change_message=f"Changed full name to Name {tag}",
    )
    export = DataExport.objects.create(subject=user, status=DataExport.Status.READY, record_counts={"n": 1})
    export.file.save("export.zip", ContentFile(b"PK zip of " + tag.encode()), save=True)
    return user


def snapshot(user_pk: int) -> dict:
    """Everything the registry says is about this subject, live and history, as plain values."""
    user = User._base_manager.filter(pk=user_pk).first() or User(pk=user_pk)
    result = {}
    for entry in entries():
        rows = entry.model._base_manager.filter(entry.subject_q(user))
        result[entry.label] = sorted(map(repr, rows.values()))
        if entry.history_model is not None:
            history = entry.history_model._base_manager.filter(id__in=rows.values("pk"))
            result[entry.label + "/history"] = sorted(map(repr, history.values()))
    return result


def erase(user: User, **kwargs) -> ErasureRun:
    """Start and run in this process, through its job as a worker would; the job is not sent
    to the broker, file deletions do run."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        run = erasure_start(subject=user, actor=ACTOR, reason="test erasure", **kwargs)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return erasure_carry_out_here(run)


def certificate_counts(run: ErasureRun) -> list[dict]:
    """The certificate's tables without the hashed names of the files deleted, which are each
    subject's own: what two runs over twin subjects must share."""
    return [{k: v for k, v in t.items() if k != "files"} for t in run.certificate["tables"]]


def certificate_table(run: ErasureRun, label: str) -> dict:
    return next(t for t in run.certificate["tables"] if t["model"] == label)


@pytest.fixture
def subject(customer, other_customer):
    return build_subject(customer.email.replace("@", "+x@"), tag="casey")


def test_it_deletes_and_anonymises_as_registered(subject, other_customer):
    build_subject("bystander@example.test", tag="bystander")
    bystander = User.objects.get(email="bystander@example.test")
    before_bystander = snapshot(bystander.pk)
    before_other = snapshot(other_customer.pk)
    session_key = UserSession.objects.get(user=subject).session_key
    picture = subject.profile_picture.name
    export_file = DataExport.objects.get(subject=subject).file.name
    assert default_storage.exists(picture)

    run = erase(subject)

    assert run.status == ErasureRun.Status.COMPLETED
    for model in (LoginEvent, PublicProfile, ArtistFollow, SocialAccount, Authenticator, UserSession, DataExport):
        assert not model.objects.filter(user=subject).exists() if model is not DataExport else True
    assert not DataExport.objects.filter(subject=subject).exists()
    assert not Follow.objects.filter(follower=subject).exists()
    assert not Follow.objects.filter(followed=subject).exists()
    assert not SocialToken.objects.filter(account__user=subject).exists()
    assert not EmailAddress.objects.filter(user=subject).exists()
    assert not EmailConfirmation.objects.filter(email_address__user=subject).exists()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not default_storage.exists(picture)
    assert not default_storage.exists(export_file)

    user = User.objects.get(pk=subject.pk)
    assert user.email == f"erased-{run.subject_reference[:24]}@erased.invalid"
    assert (user.full_name, user.phone, user.mailing_address, user.profile_picture.name, user.country) == ("",) * 5
    assert user.preferred_language == "en"
    assert user.date_joined == subject.date_joined  # KEEP: legal obligation
    assert not user.is_active
    assert user.status == User.Status.CLOSED
    assert user.closed_at is not None
    assert not user.has_usable_password()

    # Older versions keep nothing either, and the erasure itself is a recorded change.
    versions = list(User.history.filter(id=subject.pk).order_by("history_id"))
    assert all(v.full_name == "" and v.mailing_address == "" and v.email == user.email for v in versions[:-1])
    assert all(not v.history_change_reason for v in versions[:-1])
    assert versions[-1].history_change_reason == f"Erasure {run.reference} [system:tests]"
    assert not PublicProfile.history.filter(user_id=subject.pk).exists()

    log = LogEntry.objects.get(object_id=str(subject.pk))
    assert (log.object_repr, log.change_message) == ("[erased]", "")

    assert snapshot(bystander.pk) == before_bystander
    assert snapshot(other_customer.pk) == before_other


def test_it_counts_every_table_in_a_certificate_without_personal_data(subject):
    values = [
        subject.email,
        "casey",
        "+44 20 7946 0001",
        "198.51.100.7",
        subject.profile_picture.name,
        str(subject.reference),
    ]
    run = erase(subject, request_reference="DSR-2025-0001")

    certificate = run.certificate
    assert certificate["erasure_reference"] == str(run.reference)
    assert certificate["request_reference"] == "DSR-2025-0001"
    assert certificate["subject_reference"] == run.subject_reference
    assert certificate["engine_version"] == ENGINE_VERSION
    assert certificate["started_at"]
    assert certificate["finished_at"]
    assert certificate["files_deleted"] == 2
    counts = {
        t["model"]: (t["rows_deleted"], t["rows_anonymised"], t["history_rows_scrubbed"]) for t in certificate["tables"]
    }
    assert counts["accounts.LoginEvent"] == (3, 0, 0)
    assert counts["accounts.Follow"] == (2, 0, 0)
    assert counts["accounts.PublicProfile"] == (1, 0, 2)
    assert counts["accounts.User"] == (0, 1, 5)  # created, 3 edits, picture
    assert counts["admin.LogEntry"] == (0, 1, 0)
    assert counts["socialaccount.SocialToken"] == (1, 0, 0)
    assert counts["account.EmailAddress"] == (2, 0, 0)
    assert certificate_table(run, "usersessions.UserSession")["sessions_deleted"] == 1
    assert certificate_table(run, "accounts.User")["kept"] == [
        {
            "field": "date_joined",
            "legal_basis": "legal_obligation",
            "retention": "5 years after the account ends (tax and accounting records)",
        }
    ]
    assert any("revocation at the provider was not attempted" in note for note in certificate["notes"])
    text = json.dumps(certificate).lower()
    for value in values:
        assert value.lower() not in text


def test_it_is_a_no_op_when_run_again(subject):
    run = erase(subject)
    state = snapshot(subject.pk)
    again = erasure_run(erasure_id=run.pk)
    assert again.certificate == run.certificate
    assert again.attempts == 1
    assert snapshot(subject.pk) == state


def test_it_keeps_held_categories_and_says_why(subject):
    def investigation(user):
        return [Hold(categories={"technical", "usage"}, reason="Fraud investigation", reference="HOLD-7")]

    register_hold_provider(investigation)
    try:
        run = erase(subject)
    finally:
        unregister_hold_provider(investigation)

    assert run.status == ErasureRun.Status.PARTIAL
    # Login events hold only technical and usage data: every category is held, the rows stay whole.
    assert LoginEvent.objects.filter(user=subject, user_agent="Agent casey").count() == 3
    assert certificate_table(run, "accounts.LoginEvent")["rows_kept"] == 3
    held = certificate_table(run, "accounts.LoginEvent")["held"]
    assert {h["field"] for h in held} == {f.name for f in LoginEvent._meta.fields} - {"id", "user"}
    assert held[0]["holds"] == [{"reason": "Fraud investigation", "reference": "HOLD-7"}]
    assert run.certificate["holds"] == [
        {"categories": ["technical", "usage"], "reason": "Fraud investigation", "reference": "HOLD-7"}
    ]
    # A social account mixes held usage with identity: the row stays, emptied but for the held column.
    account = SocialAccount.objects.get(user=subject)
    assert (account.uid, account.extra_data) == ("", {})
    assert certificate_table(run, "socialaccount.SocialAccount")["rows_anonymised"] == 1
    # Signed out all the same, and everything not held still went.
    assert not Session.objects.exists()
    assert not PublicProfile.objects.filter(user=subject).exists()
    assert User.objects.get(pk=subject.pk).full_name == ""


def test_it_plans_without_writing(subject):
    state = snapshot(subject.pk)
    plan = {row["model"]: row for row in erasure_plan(subject=subject)}
    assert plan["accounts.LoginEvent"]["rows_to_delete"] == 3
    assert plan["accounts.User"]["rows_to_anonymise"] == 1
    assert plan["accounts.User"]["history_rows_to_scrub"] == 5
    assert snapshot(subject.pk) == state
    run = erasure_start(subject=subject, actor=ACTOR, reason="look first", dry_run=True)
    assert run.certificate["plan"] == list(plan.values())
    assert snapshot(subject.pk) == state


def test_it_asks_every_table_at_once_and_reuses_the_question_for_the_next_subject(subject):
    twin = build_subject("twin-probe@example.test", tag="twin")
    nobody = UserFactory(email="nobody@example.test")
    runs = []
    for person in (subject, twin, nobody):
        with CaptureQueriesContext(connection) as queries:
            runs.append(erase(person))
        # One statement asks which tables and history tables hold anything of theirs.
        assert sum(q["sql"].startswith("SELECT EXISTS(") for q in queries.captured_queries) == 1
    # The SQL compiled for the first subject, given each one's key, erases each one's rows
    # and only theirs: twins get the same counts, an account with nothing else only itself.
    assert certificate_counts(runs[0]) == certificate_counts(runs[1])
    touched = {t["model"] for t in runs[2].certificate["tables"] if t["rows_deleted"] or t["rows_anonymised"]}
    assert touched == {"accounts.User", "account.EmailAddress"}  # the factory gives an address
    assert not LoginEvent.objects.filter(user__in=[subject, twin]).exists()


def test_it_resumes_from_a_checkpoint_with_the_same_counts(subject, settings):
    twin = build_subject("twin@example.test", tag="twin")
    settings.PERSONAL_DATA_ERASURE_BATCH_SIZE = 1
    run = erasure_start(subject=subject, actor=ACTOR, reason="test")
    # A worker that died after two committed batches of login events left this checkpoint.
    events = sorted(LoginEvent.objects.filter(user=subject).values_list("pk", flat=True))
    LoginEvent.objects.filter(pk__in=events[:2]).delete()
    tables = {
        e.label: checkpoint._new_state() for e in entries()[: [e.label for e in entries()].index("accounts.LoginEvent")]
    }
    for state in tables.values():
        state.update(live_done=True, history_done=True)
    tables["account.EmailConfirmation"]["rows_deleted"] = 1
    tables["account.EmailAddress"]["rows_deleted"] = 2
    tables["accounts.ArtistFollow"]["rows_deleted"] = 1
    tables["accounts.Follow"]["rows_deleted"] = 2
    tables["accounts.LoginEvent"] = {**checkpoint._new_state(), "live_last": events[1], "rows_deleted": 2}
    for label in ("account.EmailConfirmation", "account.EmailAddress", "accounts.ArtistFollow", "accounts.Follow"):
        model = next(e for e in entries() if e.label == label)
        model.model._base_manager.filter(model.subject_q(subject))._raw_delete("default")
    ErasureRun.objects.filter(pk=run.pk).update(progress={**run.progress, "tables": tables}, status="running")

    resumed = erasure_carry_out_here(run)
    uninterrupted = erase(twin)
    assert resumed.attempts == 1

    assert certificate_counts(resumed) == certificate_counts(uninterrupted)


def test_it_fails_visibly_after_too_many_attempts(subject):
    run = erasure_start(subject=subject, actor=ACTOR, reason="test")
    Job.objects.filter(pk=run.job.pk).update(attempts=MAX_ATTEMPTS, last_error="OperationalError: boom")
    run = erasure_carry_out_here(run)
    assert run.status == ErasureRun.Status.FAILED
    assert "Gave up after" in run.last_error
    assert "boom" in run.last_error
    assert User.objects.get(pk=subject.pk).full_name != ""


def test_it_starts_once_per_subject_and_enqueues_after_commit(subject, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = erasure_start(subject=subject, actor=ACTOR, reason="one")
        second = erasure_start(subject=subject, actor=ACTOR, reason="two")
    assert first == second
    assert len(callbacks) == 1
    assert first.subject_id == subject.pk
    assert first.requested_by is None


def test_the_one_reconciler_sends_again_only_an_erasure_whose_worker_died(subject):
    run = erasure_start(subject=subject, actor=ACTOR, reason="test")
    job = run.job
    assert job.pk not in jobs_reconcile(dry_run=True).jobs  # queued just now: on its way
    # A worker claimed it and died: its lease ran out without a sign of life.
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, lease_owner="dead", lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert jobs_reconcile().lost_worker == [job.pk]
    assert jobs_reconcile(dry_run=True).jobs == []  # sent once, not on every sweep


def test_the_command_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match=r"No account has the email address 'nobody@example\.test'"):
        call_command("erase_subject", "nobody@example.test")


def test_the_command_prints_the_plan(subject, capsys):
    call_command("erase_subject", subject.email.upper(), "--dry-run")
    plan = json.loads(capsys.readouterr().out)
    assert {row["model"] for row in plan} == {e.label for e in entries()}
    assert User.objects.get(pk=subject.pk).is_active


@pytest.mark.parametrize(("persona", "status"), [("officer", 200), ("support_agent", 403), ("customer", 302)])
def test_the_admin_lists_erasures_for_officers_only(client_as, subject, persona, status):
    erase(subject, request_reference="DSR-77")
    response = client_as(persona).get(reverse("admin:personal_data_erasurerun_changelist"), {"q": "DSR-77"})
    assert response.status_code == status
    if status == 200:
        assert "DSR-77" in response.content.decode()


def test_the_admin_shows_the_certificate_and_failures(client_as, subject):
    run = erase(subject, request_reference="DSR-78")
    failed = erasure_start(subject=UserFactory(), actor=ACTOR, reason="test")
    ErasureRun.objects.filter(pk=failed.pk).update(status="failed", last_error="OperationalError: gone")
    officer = client_as("officer")
    page = officer.get(reverse("admin:personal_data_erasurerun_change", args=[run.pk])).content.decode()
    assert "accounts_loginevent" in page
    assert "legal_obligation" in page
    assert run.subject_reference in page
    assert subject.email not in page
    page = officer.get(reverse("admin:personal_data_erasurerun_change", args=[failed.pk])).content.decode()
    assert "OperationalError: gone" in page
    listing = officer.get(reverse("admin:personal_data_dataexport_changelist"))
    assert listing.status_code == 200


def test_it_closes_the_account_before_erasing_anything_and_refuses_exports_meanwhile(subject):
    seen = {}

    def observe(user):  # hold providers are asked after the run was claimed, before any table
        account = User.objects.get(pk=user.pk)
        seen["is_active"] = account.is_active
        seen["password_usable"] = is_password_usable(account.password)
        seen["sessions"] = Session.objects.count()
        try:
            export_request(subject=account, actor=account, enqueue=False)
        except ValidationError as exc:
            seen["export"] = exc.messages
        return []

    register_hold_provider(observe)
    try:
        run = erase(subject)
    finally:
        unregister_hold_provider(observe)

    assert seen["is_active"] is False
    assert seen["password_usable"] is False
    assert seen["sessions"] == 0
    assert seen["export"] == ["Your account is being deleted, so a download of your data can no longer be prepared."]
    assert run.status == ErasureRun.Status.COMPLETED
    assert (
        next(t for t in run.certificate["tables"] if t["model"] == "usersessions.UserSession")["sessions_deleted"] == 1
    )
    assert not DataExport.objects.filter(subject_id=subject.pk).exists()


def test_two_subjects_under_the_same_hold_keep_rows_that_satisfy_unique_constraints(subject):
    twin = build_subject("twin@example.test", tag="twin")
    for user in (subject, twin):
        EmailAddress.objects.filter(user=user).update(verified=True)
    originals = {
        user.pk: (
            set(EmailAddress.objects.filter(user=user).values_list("email", flat=True)),
            SocialAccount.objects.get(user=user).uid,
            PublicProfile.objects.get(user=user).handle,
        )
        for user in (subject, twin)
    }

    def investigation(user):
        return [Hold(categories={"account", "preferences", "usage"}, reason="Dispute", reference="HOLD-9")]

    register_hold_provider(investigation)
    try:
        runs = [erase(subject), erase(twin)]
    finally:
        unregister_hold_provider(investigation)

    assert [r.status for r in runs] == [ErasureRun.Status.PARTIAL] * 2
    emails = list(EmailAddress.objects.filter(user__in=[subject, twin]).values_list("email", flat=True))
    uids = list(SocialAccount.objects.filter(user__in=[subject, twin]).values_list("uid", flat=True))
    handles = list(PublicProfile.objects.filter(user__in=[subject, twin]).values_list("handle", flat=True))
    assert len(emails) == 4
    assert len(set(emails)) == 4
    assert len(set(uids)) == 2
    assert len(set(handles)) == 2
    for email_set, uid, handle in originals.values():
        assert not email_set & set(emails)
        assert uid not in uids
        assert handle not in handles
    assert all(e.startswith("erased-") and e.endswith("@erased.invalid") for e in emails)


def test_it_scrubs_admin_log_entries_about_the_subjects_other_rows(subject, other_customer):
    staff = User.objects.filter(is_staff=True).first()
    about = [
        EmailAddress.objects.filter(user=subject).first(),
        SocialAccount.objects.get(user=subject),
        PublicProfile.objects.get(user=subject),
    ]
    bystander_address = EmailAddress.objects.create(user=other_customer, email="olu-kept@example.test")
    for obj in [*about, bystander_address]:
        LogEntry.objects.create(
            user=staff,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action_flag=CHANGE,
            change_message=f"Changed {obj}",
        )

    erase(subject)

    reprs = list(LogEntry.objects.exclude(object_repr="[erased]").values_list("object_repr", flat=True))
    assert reprs == ["olu-kept@example.test"]


def test_it_finishes_only_when_every_file_is_deleted_and_retries_the_rest(subject, monkeypatch):
    names = [subject.profile_picture.name, DataExport.objects.get(subject=subject).file.name]
    delete = FileSystemStorage.delete

    def failing_delete(storage, name):
        raise PermissionError("storage unavailable")

    monkeypatch.setattr(FileSystemStorage, "delete", failing_delete)
    with pytest.raises(FilesPending):
        erase(subject)
    run = ErasureRun.objects.get(subject_id=subject.pk)
    assert run.status == ErasureRun.Status.RUNNING
    assert len(run.progress["pending_files"]) == 2

    monkeypatch.setattr(FileSystemStorage, "delete", delete)
    run = erasure_run(erasure_id=run.pk)
    assert run.status == ErasureRun.Status.COMPLETED
    assert (run.certificate["files_deleted"], run.certificate["files_pending"]) == (2, 0)
    assert not any(default_storage.exists(name) for name in names)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_start_one_erasure():
    # PostgreSQL serialises the two on the user row lock; SQLite on its IMMEDIATE write lock.
    user = User.objects.create(email="concurrent@example.test")
    first_started = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = erasure_start(subject=user, actor=ACTOR, reason="one").pk
                first_started.set()
                time.sleep(1)  # the second request arrives while this one is not committed
        finally:
            first_started.set()
            connection.close()

    def second():
        try:
            first_started.wait(10)
            results["second"] = erasure_start(subject=user, actor=ACTOR, reason="two").pk
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["first"] == results["second"]
    assert ErasureRun.objects.filter(subject_id=user.pk).count() == 1


def test_a_second_delivery_while_an_attempt_is_at_work_is_not_a_failed_attempt(subject):
    # Another worker holds the job's lease: a second delivery leaves it alone.
    run = erasure_start(subject=subject, actor=ACTOR, reason="test")
    busy = timezone.now() + timedelta(minutes=1)
    Job.objects.filter(pk=run.job.pk).update(state="running", attempts=1, lease_owner="busy", lease_expires_at=busy)
    assert erasure_carry_out_here(run).attempts == 1

    # Its lease ran out (the worker died): the next delivery takes it over, one more attempt.
    stale_run = erasure_start(subject=build_subject("stale@example.test", tag="stale"), actor=ACTOR, reason="t")
    gone = timezone.now() - timedelta(seconds=1)
    dead = {"state": "running", "attempts": 1, "lease_owner": "dead", "lease_expires_at": gone}
    Job.objects.filter(pk=stale_run.job.pk).update(**dead)
    assert erasure_carry_out_here(stale_run).attempts == 2
