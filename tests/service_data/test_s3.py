"""Customers' files on S3-compatible object storage, against a real S3 HTTP API started here.

moto's server (``ThreadedMotoServer``) answers the S3 protocol over HTTP on a free local port;
the "content" storage is pointed at it exactly as production points it at a bucket
(config/settings/production.py: apps.core.storage.PrivateS3Storage). Under CI a server that
does not start fails these tests; it never skips them.
"""

from __future__ import annotations

import io
import json
import socket
import uuid
import zipfile

import boto3
import pytest
from botocore.config import Config
from django.urls import reverse

from apps.core.actors import SystemActor
from apps.core.jobs import job_run
from apps.core.models import Job
from apps.core.storage import NOT_SERVED, PrivateS3Storage
from apps.personal_data.erasure.run import erasure_carry_out_here, erasure_start
from apps.personal_data.export.run import export_request, export_run
from apps.personal_data.models import DataExport, ErasureRun
from apps.service_data.models import ContentItem
from apps.service_data.services.content import CONTENT_FILE_JOB, content_delete, optional_kind_refuse
from tests.helpers import IN_CI
from tests.service_data.factories import image_bytes, pdf_bytes, uploaded_item, wav_bytes

ACTOR = SystemActor("tests")
KEYS = {"access_key": "portal-test", "secret_key": "portal-test-secret", "region_name": "eu-west-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[s3] and flask are dev dependencies: uv sync installs them
        message = f"no local S3 server: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=5):
            pass
    except OSError as exc:
        server.stop()
        pytest.fail(f"the local S3 server did not answer at {endpoint}: {exc}")
    yield endpoint
    server.stop()


def _client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region_name"],
    )


def _point_content_at(settings, monkeypatch, options: dict) -> PrivateS3Storage:
    """The "content" storage as production configures it; the model's field follows (Django
    evaluates a FileField's storage callable once, when the model class is built)."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "content": {"BACKEND": "apps.core.storage.PrivateS3Storage", "OPTIONS": options},
    }  # Django's setting_changed receiver empties the storages cache
    storage = storages["content"]
    assert isinstance(storage, PrivateS3Storage)
    monkeypatch.setattr(ContentItem._meta.get_field("file"), "storage", storage)
    monkeypatch.setattr(ContentItem.history.model._meta.get_field("file"), "storage", storage)
    return storage


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    name = f"content-{uuid.uuid4().hex[:12]}"
    client = _client(s3_endpoint)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": KEYS["region_name"]})
    _point_content_at(settings, monkeypatch, {"bucket_name": name, "endpoint_url": s3_endpoint, **KEYS})

    class Bucket:
        def objects(self) -> set[str]:
            listed = client.list_objects_v2(Bucket=name)
            return {obj["Key"] for obj in listed.get("Contents", [])}

        def read(self, key: str) -> bytes:
            return client.get_object(Bucket=name, Key=key)["Body"].read()

        def grants(self, key: str) -> list[dict]:
            return client.get_object_acl(Bucket=name, Key=key)["Grants"]

    return Bucket()


def test_an_upload_is_a_private_object_in_the_bucket(bucket, customer):
    item = uploaded_item(customer, "document", name="contract.pdf", content=pdf_bytes())
    assert bucket.objects() == {item.file.name}
    assert bucket.read(item.file.name) == pdf_bytes()
    # Private: nobody but the owner of the bucket is granted anything.
    assert all("AllUsers" not in json.dumps(grant) for grant in bucket.grants(item.file.name))
    # No link into the bucket, presigned or not, ever leaves the portal.
    assert item.file.url.startswith(NOT_SERVED)
    assert "X-Amz" not in item.file.url


def test_the_owner_downloads_it_through_the_portal(bucket, client_as, customer):
    item = uploaded_item(customer, "voice_clip", name="note.wav", content=wav_bytes())
    response = client_as("customer").get(reverse("service_data:content_download", args=[item.reference]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == wav_bytes()
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("attachment;")


def test_deleting_and_refusing_remove_the_objects(bucket, customer, django_capture_on_commit_callbacks):
    document = uploaded_item(customer, "document", name="a.pdf", content=pdf_bytes())
    clips = [uploaded_item(customer) for _ in range(2)]
    image = uploaded_item(customer, "image", name="a.png", content=image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        content_delete(item=document, actor=customer)
    assert bucket.objects() == {clip.file.name for clip in clips} | {image.file.name}
    with django_capture_on_commit_callbacks(execute=True):
        optional_kind_refuse(subject=customer, kind="voice_clips", actor=customer)
    assert bucket.objects() == {image.file.name}


def test_an_erasure_removes_every_object_of_the_subject(bucket, customer, other_customer):
    mine = [uploaded_item(customer, "document", name=f"{n}.pdf", content=pdf_bytes()) for n in range(3)]
    theirs = uploaded_item(other_customer)
    assert len(bucket.objects()) == 4
    run = erasure_start(subject=customer, actor=ACTOR, reason="test erasure on object storage")
    run = erasure_carry_out_here(run)
    assert run.status in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL), run.last_error
    assert bucket.objects() == {theirs.file.name}
    assert not ContentItem.objects.filter(pk__in=[item.pk for item in mine]).exists()
    assert run.certificate["files_deleted"] >= 3
    assert run.certificate["files_pending"] == 0


def test_the_export_reads_the_items_stored_in_the_bucket(bucket, customer):
    """What the export engine holds of content on this branch: each item's record (the
    files themselves join the archive in the engines' change)."""
    item = uploaded_item(customer, "document", name="kept.pdf", content=pdf_bytes(), title="Kept on S3")
    export = export_request(subject=customer, actor=ACTOR, enqueue=False)
    export = export_run(export_id=export.pk)
    assert export.status == DataExport.Status.READY, export.last_error
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    text = "\n".join(archive.read(name).decode(errors="replace") for name in archive.namelist())
    assert "Kept on S3" in text
    assert item.sha256 in text
    if any(name.endswith("kept.pdf") for name in archive.namelist()):  # once export carries files
        assert archive.read(next(n for n in archive.namelist() if n.endswith("kept.pdf"))) == pdf_bytes()


def test_a_storage_that_is_away_leaves_the_file_owed_until_it_is_back(
    s3_endpoint, bucket, settings, monkeypatch, customer, django_capture_on_commit_callbacks
):
    clip = uploaded_item(customer)
    # The same bucket through a port nothing listens on: every call fails at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    live_options = dict(settings.STORAGES["content"]["OPTIONS"])
    _point_content_at(
        settings,
        monkeypatch,
        {
            **live_options,
            "endpoint_url": f"http://127.0.0.1:{dead_port}",
            "client_config": Config(retries={"max_attempts": 1}, connect_timeout=1),
        },
    )
    monkeypatch.setattr("apps.service_data.services.content.job_dispatch", lambda job_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        optional_kind_refuse(subject=customer, kind="voice_clips", actor=customer)
    job = Job.objects.get(kind=CONTENT_FILE_JOB, target=clip.file.name)
    assert job.state == Job.State.QUEUED
    assert clip.file.name in bucket.objects()  # still there: the storage was away

    _point_content_at(settings, monkeypatch, live_options)
    assert job_run(job_id=job.pk).state == Job.State.DONE
    assert clip.file.name not in bucket.objects()


@pytest.mark.worker  # another process: production settings are read at start-up
def test_production_puts_content_on_object_storage_only_when_a_bucket_is_named():
    from tests.core.test_settings import PRODUCTION_ENV, run_manage

    code = (
        "from apps.service_data.models import ContentItem;"
        "s = ContentItem._meta.get_field('file').storage;"
        "print(type(s).__name__, getattr(s, 'bucket_name', '-'), getattr(s, 'endpoint_url', '-'),"
        " getattr(s, 'default_acl', '-'), getattr(s, 'file_overwrite', '-'), s.url('content/ab/x.pdf'))"
    )
    bucket_env = {
        **PRODUCTION_ENV,
        "CONTENT_STORAGE_BUCKET": "customer-files",
        "CONTENT_STORAGE_ENDPOINT_URL": "https://objects.example.net",
        "CONTENT_STORAGE_ACCESS_KEY_ID": "key-id",
        "CONTENT_STORAGE_SECRET_ACCESS_KEY": "key-secret",
    }
    on_s3 = run_manage("shell", "--no-imports", "-c", code, env=bucket_env)
    assert on_s3.returncode == 0, on_s3.stderr
    assert on_s3.stdout.split() == [
        "PrivateS3Storage",
        "customer-files",
        "https://objects.example.net",
        "private",
        "False",
        "/private-not-served/content/ab/x.pdf",
    ]
    on_disk = run_manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert on_disk.returncode == 0, on_disk.stderr
    assert on_disk.stdout.split()[0] == "FileSystemStorage"
    checked = run_manage("check", "--deploy", "--fail-level", "WARNING", env=bucket_env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
