"""Regressions from the review of the erasure and export engines (one test per finding)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.hashers import is_password_usable
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import PublicProfile, User
from apps.personal_data import exports
from apps.personal_data.erasure import FilesPending, erasure_run, erasure_start
from apps.personal_data.exports import ExportTable, export_request, export_run, exports_requeue_stuck
from apps.personal_data.holds import Hold, register_hold_provider, unregister_hold_provider
from apps.personal_data.models import DataExport, ErasureRun
from tests.helpers import reauthenticate
from tests.personal_data.test_erasure import ACTOR, build_subject, erase
from tests.personal_data.test_export_views import DATA_URL


@pytest.fixture
def subject(customer, other_customer):
    return build_subject(customer.email.replace("@", "+x@"), tag="casey")


@pytest.fixture
def export_table():
    """Add an ExportTable provider (the extension point other apps use) for one test."""
    added = []

    def add(provider):
        exports.EXPORT_TABLES.append(provider)
        added.append(provider)

    yield add
    for provider in added:
        exports.EXPORT_TABLES.remove(provider)


def stored_exports() -> set[str]:
    return set(default_storage.listdir("exports")[1]) if default_storage.exists("exports") else set()


# 1 --------------------------------------------------------------------------------------


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


def test_the_data_page_says_why_it_cannot_prepare_a_download_during_an_erasure(client_as, customer):
    ErasureRun.objects.create(subject_id=customer.pk, subject_reference="x" * 64, reason="asked")
    response = reauthenticate(client_as("customer")).post(DATA_URL)
    assert response.status_code == 409
    assert "Your account is being deleted" in response.content.decode()
    assert not DataExport.objects.filter(subject=customer).exists()


# 2 --------------------------------------------------------------------------------------


def test_an_export_whose_subject_is_erased_while_it_builds_leaves_no_file(customer, export_table):
    def erased_meanwhile(subject):
        DataExport.objects.filter(subject=subject).delete()
        return []

    export_table(erased_meanwhile)
    before = stored_exports()
    export = export_request(subject=customer, actor=ACTOR, enqueue=False)
    export_run(export_id=export.pk)
    assert not DataExport.objects.filter(pk=export.pk).exists()
    assert stored_exports() == before


# 3 --------------------------------------------------------------------------------------


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


# 4 --------------------------------------------------------------------------------------


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


# 5 --------------------------------------------------------------------------------------


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


# 6 --------------------------------------------------------------------------------------


def test_a_failing_duplicate_delivery_leaves_a_ready_export_ready(customer, export_table):
    def other_delivery_finishes_then_this_one_fails(subject):
        DataExport.objects.filter(subject=subject).update(status=DataExport.Status.READY, file="exports/first.zip")
        raise RuntimeError("this delivery failed")

    export_table(other_delivery_finishes_then_this_one_fails)
    export = export_request(subject=customer, actor=ACTOR, enqueue=False)
    before = stored_exports()
    result = export_run(export_id=export.pk)
    assert result.status == DataExport.Status.READY
    assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.READY
    assert stored_exports() == before


# 7 --------------------------------------------------------------------------------------


def test_it_gives_up_on_an_export_that_keeps_killing_its_worker(customer):
    export = DataExport.objects.create(
        subject=customer, status=DataExport.Status.RUNNING, attempts=exports.MAX_ATTEMPTS, last_error="Killed"
    )
    export = export_run(export_id=export.pk)
    assert export.status == DataExport.Status.FAILED
    assert "Gave up after" in export.last_error
    assert not export.file


def test_a_long_build_shows_it_is_alive_so_it_is_not_requeued(customer, export_table):
    seen = []

    def rows():
        if not seen:
            # As if this build had been running for an hour by now.
            DataExport.objects.filter(subject=customer).update(updated_at=timezone.now() - timedelta(hours=1))
            seen.append("aged")
        else:  # the CSV is written after the JSON file: the build has said it is alive since
            seen.append(exports_requeue_stuck(dry_run=True))
        return [("a",)]

    export_table(lambda subject: [ExportTable(stem="slow_table", title="Slow", columns=["x"], rows=rows)])
    export = export_request(subject=customer, actor=ACTOR, enqueue=False)
    assert export_run(export_id=export.pk).status == DataExport.Status.READY
    assert seen == ["aged", []]


# 8 --------------------------------------------------------------------------------------


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


# 9 --------------------------------------------------------------------------------------


def test_a_second_delivery_while_an_attempt_is_at_work_is_not_a_failed_attempt(subject):
    run = erasure_start(subject=subject, actor=ACTOR, reason="test")
    busy = {**run.progress, "active_at": timezone.now().isoformat()}
    ErasureRun.objects.filter(pk=run.pk).update(status="running", attempts=1, progress=busy)
    assert erasure_run(erasure_id=run.pk).attempts == 1

    stale_run = erasure_start(subject=build_subject("stale@example.test", tag="stale"), actor=ACTOR, reason="t")
    stale = {**stale_run.progress, "active_at": (timezone.now() - timedelta(minutes=20)).isoformat()}
    ErasureRun.objects.filter(pk=stale_run.pk).update(status="running", attempts=1, progress=stale)
    assert erasure_run(erasure_id=stale_run.pk).attempts == 2


def test_the_reconciler_gives_a_queued_erasure_much_longer_than_a_running_one(customer, other_customer, capsys):
    queued = ErasureRun.objects.create(subject_id=customer.pk, subject_reference="q" * 64, reason="queued")
    running = ErasureRun.objects.create(
        subject_id=other_customer.pk, subject_reference="r" * 64, reason="running", status="running"
    )
    ErasureRun.objects.update(updated_at=timezone.now() - timedelta(minutes=30))
    call_command("reconcile_personal_data", "--dry-run")
    assert f'"erasures": [{running.pk}]' in capsys.readouterr().out
    ErasureRun.objects.filter(pk=queued.pk).update(updated_at=timezone.now() - timedelta(hours=3))
    call_command("reconcile_personal_data", "--dry-run")
    assert f'"erasures": [{queued.pk}, {running.pk}]' in capsys.readouterr().out


# 10 -------------------------------------------------------------------------------------


def test_the_finder_ignores_a_nul_character_in_the_search(client_as):
    User.objects.create(email="needle-7731@example.test", full_name="Nell Needle")
    response = client_as("officer").get(reverse("personal_data_finder"), {"q": "needle-77\x0031"})
    assert response.status_code == 200
    assert "accounts.User" in response.content.decode()
