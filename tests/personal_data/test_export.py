"""The export engine: what the ZIP holds, for whom, in which language, and how it ends."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
import tracemalloc
import zipfile
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import Artist, ArtistFollow, Follow, LoginEvent, Organisation
from apps.core.actors import SystemActor
from apps.core.bulk import insert_rows
from apps.core.jobs import jobs_reconcile
from apps.core.models import Job
from apps.personal_data.domain import subject_reference
from apps.personal_data.export import archive as export_archive
from apps.personal_data.export.run import (
    MAX_ATTEMPTS,
    export_build_here,
    export_request,
    export_run,
    exports_delete_expired,
)
from apps.personal_data.models import DataExport
from apps.personal_data.registry import EXPORT_NOTES, EXPORT_TABLES, ExportNote, ExportTable
from tests.factories import LoginEventFactory, PublicProfileFactory
from tests.personal_data.test_erasure import ACTOR

OTHER_IP = "198.51.100.99"
CUSTOMER_IP = "203.0.113.7"


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        name="Melody Streaming Ltd",
        company_number="01234567",
        address="1 High Street\nLondon",
        contact_email="privacy@melody.example",
    )


@pytest.fixture
def data(customer, other_customer, organisation):
    LoginEventFactory.create_batch(3, user=customer, ip_address=CUSTOMER_IP)
    LoginEventFactory(user=customer, succeeded=False, method=LoginEvent.Method.GOOGLE, ip_address=CUSTOMER_IP)
    LoginEventFactory.create_batch(2, user=other_customer, ip_address=OTHER_IP, browser="OtherBrowser 9")
    PublicProfileFactory(user=customer, handle="casey", display_name="Casey C")
    PublicProfileFactory(user=other_customer, handle="olu-secret", display_name="Olu O")
    artist = Artist.objects.create(name="The Example Band")
    ArtistFollow.objects.create(user=customer, artist=artist)
    ArtistFollow.objects.create(user=other_customer, artist=Artist.objects.create(name="Other Only Artist"))
    Follow.objects.create(follower=customer, followed=other_customer)
    Follow.objects.create(follower=other_customer, followed=customer)
    customer.phone = "+44 20 7946 0958"
    customer.save()
    return customer


def build(subject) -> tuple[DataExport, zipfile.ZipFile]:
    export = export_request(subject=subject, actor=SystemActor("test"))
    export = export_run(export_id=export.pk)
    assert export.status == DataExport.Status.READY, export.last_error
    with export.file.open("rb") as handle:
        payload = handle.read()
    return export, zipfile.ZipFile(io.BytesIO(payload))


def everything(archive: zipfile.ZipFile) -> str:
    return "\n".join(archive.read(name).decode() for name in archive.namelist())


def test_it_builds_index_json_per_category_csv_and_a_manifest_with_checksums(data):
    export, archive = build(data)
    names = set(archive.namelist())
    assert {"index.html", "manifest.json", "identity.json", "contact.json", "usage.json", "technical.json"} <= names
    assert "tables/sign-ins.csv" in names
    assert "tables/follows.csv" in names

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["controller"]["name"] == "Melody Streaming Ltd"
    assert manifest["subject_reference"] == subject_reference(data)
    assert manifest["export_reference"] == str(export.reference)
    files = {f["name"]: f for f in manifest["files"]}
    assert set(files) == names - {"manifest.json"}
    for name, entry in files.items():
        content = archive.read(name)
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], name
        assert len(content) == entry["bytes"]
        assert f"{zlib.crc32(content):08x}" == entry["crc32"] == f"{archive.getinfo(name).CRC:08x}", name
    # Counts: four login events in the CSV and in the technical JSON; both follows.
    with archive.open("tables/sign-ins.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    assert len(rows) == files["tables/sign-ins.csv"]["records"] == 4
    assert {r["IP address"] for r in rows} == {CUSTOMER_IP}
    assert files["tables/follows.csv"]["records"] == 2
    assert export.record_counts == {name: entry["records"] for name, entry in files.items()}
    assert {c["code"] for c in manifest["categories"]} >= {"identity", "contact", "usage", "technical"}

    technical = json.loads(archive.read("technical.json"))
    sources = {s["name"]: s for s in technical["sources"]}
    assert len(sources["Sign-ins"]["records"]) == 4
    assert sum(len(s["records"]) for s in technical["sources"]) == files["technical.json"]["records"]

    # The stored file is what the row says it is: its size, and the digest of the manifest
    # that lists every other file's digest.
    with export.file.open("rb") as handle:
        stored = handle.read()
    assert hashlib.sha256(archive.read("manifest.json")).hexdigest() == export.manifest_sha256
    assert len(stored) == export.size_bytes
    assert timedelta(days=6, hours=23) < export.expires_at - timezone.now() <= timedelta(days=7)
    assert export.file.name.startswith("exports/")


def test_it_holds_the_customers_data_and_none_of_the_other_customers(data, other_customer):
    _, archive = build(data)
    text = everything(archive)
    for mine in (
        "customer@example.test",
        "Casey Customer",
        "+44 20 7946 0958",
        CUSTOMER_IP,
        "casey",
        "The Example Band",
    ):
        assert mine in text, mine
    for theirs in (
        "other@example.test",
        "Olu Other",
        OTHER_IP,
        "OtherBrowser",
        "olu-secret",
        "Olu O",
        "Other Only Artist",
    ):
        assert theirs not in text, theirs
    # Other people are named only by what they chose to show.
    usage = json.loads(archive.read("usage.json"))
    follows = next(s for s in usage["sources"] if s["name"] == "People you follow and people who follow you")["records"]
    assert {(f["follower"], f["followed"]) for f in follows} == {
        ("customer@example.test", "another customer"),
        ("another customer", "customer@example.test"),
    }


def test_it_exports_only_registered_fields_without_ids_or_secrets(data):
    _, archive = build(data)
    identity = json.loads(archive.read("identity.json"))
    user_rows = next(s for s in identity["sources"] if s["name"] == "Your account")["records"]
    assert user_rows == [
        {"reference": str(data.reference), "full name": "Casey Customer", "what should we call you": ""}
    ]
    text = everything(archive)
    assert data.password not in text
    for name in (n for n in archive.namelist() if n.endswith(".json") and n != "manifest.json"):
        for source in json.loads(archive.read(name))["sources"]:
            secret = {"Two-step sign-in", "Access keys from Google or Facebook", "Copies of your data"}
            assert source["name"] not in secret
            for record in source["records"]:
                assert not {"id", "pk", "password", "user", "user_id"} & set(record)


def test_it_writes_the_index_in_the_customers_language(data):
    data.preferred_language = "vi"
    data.save()
    _, archive = build(data)
    index = archive.read("index.html").decode()
    assert '<html lang="vi">' in index
    assert "Dữ liệu của bạn" in index
    assert "Melody Streaming Ltd" in index
    assert 'href="tables/sign-ins.csv"' in index

    data.preferred_language = "en"
    data.save()
    _, archive = build(data)
    assert "Your data" in archive.read("index.html").decode()


def test_it_adds_notes_from_later_apps_about_withheld_records(data, monkeypatch):
    def withheld(subject):
        yield ExportNote(category="communications", title="Withheld disclosures", text="Two are withheld.", count=2)

    monkeypatch.setattr(export_archive, "EXPORT_NOTES", [*EXPORT_NOTES, withheld])
    _, archive = build(data)
    assert "Withheld disclosures" in archive.read("index.html").decode()
    assert json.loads(archive.read("manifest.json"))["notes"][0]["count"] == 2


def test_it_is_idempotent_and_starts_one_export_at_a_time(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = export_request(subject=data, actor=data)
        again = export_request(subject=data, actor=data)
    assert first.pk == again.pk
    assert len(callbacks) == 1  # the task is enqueued once, after commit
    ready = export_run(export_id=first.pk)
    name = ready.file.name
    assert export_run(export_id=first.pk).file.name == name
    assert export_request(subject=data, actor=data).pk != first.pk  # a finished one does not block a new one


def test_it_marks_a_failed_build_with_its_error(data, settings, tmp_path):
    settings.PERSONAL_DATA_EXPORT_TEMP_DIR = str(tmp_path / "missing")
    export = export_request(subject=data, actor=data)
    export = export_run(export_id=export.pk)
    assert export.status == DataExport.Status.FAILED
    assert "FileNotFoundError" in export.last_error
    assert not export.file


def test_it_emails_the_customer_in_their_language_without_the_link_token(data, django_capture_on_commit_callbacks):
    data.preferred_language = "vi"
    data.save()
    export = export_request(subject=data, actor=data)
    with django_capture_on_commit_callbacks(execute=True):
        export_run(export_id=export.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["customer@example.test"]
    assert "/account/data/" in message.body
    assert "/download/" not in message.body
    assert "Dữ liệu của bạn" in message.subject


def test_it_deletes_expired_files_and_marks_them_expired(data):
    export, _ = build(data)
    fresh, _ = build(data)
    storage = export.file.storage
    name = export.file.name
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert exports_delete_expired(dry_run=True) == 1
    assert storage.exists(name)
    assert exports_delete_expired() == 1
    assert not storage.exists(name)
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED
    assert not export.file
    assert storage.exists(fresh.file.name)
    assert exports_delete_expired() == 0
    assert exports_delete_expired(now=timezone.now() + timedelta(days=8)) == 1


def test_it_keeps_memory_flat_for_a_large_history(customer):
    now = timezone.now()
    insert_rows(
        LoginEvent,
        (
            "user_id",
            "occurred_at",
            "ip_address",
            "user_agent",
            "device",
            "browser",
            "operating_system",
            "method",
            "succeeded",
        ),
        (
            (
                customer.pk,
                now,
                f"203.0.113.{i % 250 + 1}",
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 " * 3,
                "Computer",
                "Chrome 130",
                "Linux",
                "password",
                True,
            )
            for i in range(20_000)
        ),
    )
    export = export_request(subject=customer, actor=SystemActor("test"))
    started = time.monotonic()
    tracemalloc.start()
    try:
        export = export_run(export_id=export.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert export.status == DataExport.Status.READY, export.last_error
    assert export.record_counts["tables/sign-ins.csv"] == 20_000
    # Measured ~3 MB at 20 000 and at 100 000 rows (bench/export.py); all rows at once is tens of MB.
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB"
    assert time.monotonic() - started < 30


def test_it_writes_the_zip_to_a_file_from_the_command(data, tmp_path):
    out = tmp_path / "casey.zip"
    call_command("export_subject", "Customer@Example.test", "--out", str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as archive:
        assert "manifest.json" in archive.namelist()
        assert "customer@example.test" in archive.read("contact.json").decode()


def test_it_refuses_an_unknown_email_or_an_unwritable_path(data, tmp_path):
    with pytest.raises(CommandError, match="No account"):
        call_command("export_subject", "nobody@example.test", "--out", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_subject", "customer@example.test", "--out", str(tmp_path / "no-such-dir" / "x.zip"))
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_subject", "customer@example.test", "--out", str(tmp_path))
    assert not DataExport.objects.exists()  # nothing was started


def test_it_declares_the_daily_cleanup_beat_job():
    from config.celery import app

    jobs = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "apps.personal_data.tasks.delete_expired_exports_task" in jobs


@pytest.mark.worker
def test_it_reaches_ready_through_a_real_worker(celery_worker_process, customer, tmp_path):
    LoginEventFactory.create_batch(3, user=customer)
    export = export_request(subject=customer, actor=customer)  # autocommit: enqueued at once
    deadline = time.monotonic() + 60
    while export.status not in (DataExport.Status.READY, DataExport.Status.FAILED) and time.monotonic() < deadline:
        time.sleep(0.3)
        export.refresh_from_db()
    assert export.status == DataExport.Status.READY, export.last_error
    with export.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert hashlib.sha256(archive.read("manifest.json")).hexdigest() == export.manifest_sha256
    assert export.record_counts["tables/sign-ins.csv"] == 3

    # And the command's --wait door goes through the same worker.
    out = tmp_path / "waited.zip"
    call_command("export_subject", customer.email, "--out", str(out), "--wait", "--timeout", "60", stdout=io.StringIO())
    assert zipfile.ZipFile(out).testzip() is None


# --- Whose day (apps/core/clock.py) ---------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 31, 17, 30, tzinfo=UTC), tick=False)  # 00:30 on 1 January in Hanoi
def test_it_dates_the_zip_entries_in_utc_as_the_manifest_does(settings, data):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    _export, archive = build(data)
    assert {entry.date_time for entry in archive.infolist()} == {(2026, 12, 31, 17, 30, 0)}


@pytest.fixture
def export_table():
    """Add an ExportTable provider (the extension point other apps use) for one test."""
    added = []

    def add(provider):
        EXPORT_TABLES.append(provider)
        added.append(provider)

    yield add
    for provider in added:
        EXPORT_TABLES.remove(provider)


def stored_exports() -> set[str]:
    return set(default_storage.listdir("exports")[1]) if default_storage.exists("exports") else set()


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


def test_it_gives_up_on_an_export_that_keeps_killing_its_worker(customer):
    export = export_request(subject=customer, actor=ACTOR, enqueue=False)
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING)
    Job.objects.filter(pk=export.job.pk).update(attempts=MAX_ATTEMPTS, last_error="Killed")
    export = export_build_here(export)
    assert export.status == DataExport.Status.FAILED
    assert "Gave up after" in export.last_error
    assert not export.file


def test_a_long_build_shows_it_is_alive_so_it_is_not_requeued(customer, export_table):
    seen = []
    an_hour_on = time_machine.travel(timezone.now() + timedelta(hours=1), tick=True)

    def rows():
        if not seen:
            # As if this build had been running for an hour by now: its lease has run out.
            an_hour_on.start()
            seen.append("aged")
        else:  # the CSV is written after the JSON file: the build has said it is alive since
            seen.append(jobs_reconcile(dry_run=True).lost_worker)
        return [("a",)]

    export_table(lambda subject: [ExportTable(stem="slow_table", title="Slow", columns=["x"], rows=rows)])
    export = export_request(subject=customer, actor=ACTOR, enqueue=False)
    try:
        assert export_build_here(export).status == DataExport.Status.READY
    finally:
        an_hour_on.stop()
    assert seen == ["aged", []]


def test_a_crafted_user_agent_on_the_login_history_is_text_in_the_export(client, customer):
    hyperlink = '=HYPERLINK("http://x")'
    # A stranger's failed sign-in with a crafted browser string lands on the victim's history.
    client.post("/accounts/login/", {"login": customer.email, "password": "wrong-password"}, HTTP_USER_AGENT=hyperlink)
    assert LoginEvent.objects.get(user=customer).user_agent == hyperlink
    _, archive = build(customer)
    with archive.open("tables/sign-ins.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    assert [row["user agent"] for row in rows] == ["'" + hyperlink]


def test_it_names_nothing_after_the_database_and_leaves_out_keyed_hashes(data):
    from apps.personal_data.registry import entries

    _, archive = build(data)
    names = archive.namelist()
    text = everything(archive)
    for entry in entries():
        assert f'"{entry.label}"' not in text, entry.label
        assert entry.table not in text, entry.table
        assert not any(entry.table in name for name in names), entry.table
    assert data.email_hash not in text
    assert "email hash" not in text
    assert re.search(r"\bP-\d+\b", text) is None
    # The plural a model's name would give is not a label: the registry's titles are used.
    assert "deliverys" not in text
    # Every CSV and page is named in words.
    assert all(re.fullmatch(r"[a-z0-9/.-]+", name) for name in names if not name.startswith("files/"))


def test_a_long_history_is_read_page_by_page_with_links_between_the_pages(data):
    # 2 500 more sign-ins, with a user agent that must be escaped: three pages of technical data,
    # each a file of its own linked to the previous and the next, all linked from index.html.
    LoginEvent.objects.bulk_create(
        LoginEvent(
            user=data,
            ip_address=CUSTOMER_IP,
            user_agent=f"<b>Agent & {i}</b>",
            device="Computer",
            browser="Chrome",
            operating_system="Linux",
            method=LoginEvent.Method.PASSWORD,
            succeeded=True,
        )
        for i in range(2_500)
    )
    _export, archive = build(data)
    names = set(archive.namelist())
    pages = ["pages/technical.html", "pages/technical-2.html", "pages/technical-3.html"]
    assert set(pages) <= names
    assert "pages/technical-4.html" not in names
    technical = json.loads(archive.read("technical.json"))
    records = sum(len(source["records"]) for source in technical["sources"])
    rows = []
    for number, name in enumerate(pages, start=1):
        html = archive.read(name).decode()
        rows.append(sum(table.count("<tr>") for table in html.split("<tbody>")[1:]))
        assert f"Page {number} of 3" in html, name
        previous = f'rel="prev" href="{pages[number - 2].rsplit("/", 1)[1]}"' if number > 1 else 'rel="prev"'
        assert (previous in html) == (number > 1), name
        following = f'rel="next" href="{pages[number].rsplit("/", 1)[1]}"' if number < 3 else 'rel="next"'
        assert (following in html) == (number < 3), name
        assert "<b>" not in html
        assert "&lt;b&gt;Agent &amp; " in html
    # Every row on exactly one page, no page over its size, in the order they happened.
    assert rows[:2] == [1000, 1000]
    assert sum(rows) == records
    assert "Agent &amp; 2499" in archive.read(pages[-1]).decode()
    index = archive.read("index.html").decode()
    for name in pages:
        assert f'href="{name}"' in index
    assert archive.read("tables/sign-ins.csv").decode().count("<b>Agent & ") == 2_500


def test_times_and_yes_no_read_the_same_in_every_format(data):
    when = datetime(2026, 3, 1, 14, 5, 9, 123456, tzinfo=UTC)
    LoginEvent.objects.filter(user=data).delete()
    LoginEventFactory(user=data, occurred_at=when, succeeded=False, ip_address=CUSTOMER_IP)
    LoginEventFactory(user=data, occurred_at=when.replace(microsecond=0), succeeded=True, ip_address=CUSTOMER_IP)
    _export, archive = build(data)
    usage = json.loads(archive.read("usage.json"))
    sign_ins = next(s for s in usage["sources"] if s["name"] == "Sign-ins")["records"]
    assert [(r["time"], r["succeeded"]) for r in sign_ins] == [
        ("2026-03-01T14:05:09.123456+00:00", False),
        ("2026-03-01T14:05:09+00:00", True),
    ]
    rows = list(csv.DictReader(io.StringIO(archive.read("tables/sign-ins.csv").decode())))
    assert [(r["time"], r["succeeded"]) for r in rows] == [
        ("2026-03-01T14:05:09.123456+00:00", "False"),
        ("2026-03-01T14:05:09+00:00", "True"),
    ]
    page = archive.read("pages/usage.html").decode()
    assert page.count("<td>2026-03-01 14:05:09 UTC</td>") == 2
    assert "<td>no</td>" in page
    assert "<td>yes</td>" in page
