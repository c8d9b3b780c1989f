"""Content: uploads checked by their bytes and size, downloads only for the owner and never
rendered, deletion, and optional kinds refused (P-38) deleting what was given."""

from __future__ import annotations

import hashlib
import re
import zlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import SystemActor
from apps.core.models import Job
from apps.service_data.models import CalendarEntry, ContentItem, LocationRecord, OptionalKindRefusal, SharedPost
from apps.service_data.models.content import content_storage
from apps.service_data.selectors.content import optional_kind_refused
from apps.service_data.services.content import (
    CONTENT_FILE_JOB,
    content_upload,
    optional_kind_allow,
    optional_kind_refuse,
)
from tests.helpers.content import html
from tests.service_data.factories import (
    docx_bytes,
    image_bytes,
    mp4_bytes,
    odt_bytes,
    opus_bytes,
    pdf_bytes,
    theora_bytes,
    upload_file,
    uploaded_item,
    wav_bytes,
    webm_bytes,
    zip_bytes,
)

ACTOR = SystemActor("tests")
CONTENT_URL = reverse("service_data:content")


def upload(owner, kind, name, content, title=""):
    return content_upload(owner=owner, kind=kind, title=title, uploaded_file=upload_file(name, content), actor=ACTOR)


# --- Uploads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "make", "content_type"),
    [
        ("document", "report.pdf", pdf_bytes, "application/pdf"),
        ("document", "notes.txt", lambda: "Ghi chú: xin chào\n".encode(), "text/plain"),
        (
            "document",
            "letter.docx",
            docx_bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("document", "letter.odt", odt_bytes, "application/vnd.oasis.opendocument.text"),
        ("image", "a.jpg", lambda: image_bytes("JPEG"), "image/jpeg"),
        ("image", "a.png", lambda: image_bytes("PNG"), "image/png"),
        ("image", "a.webp", lambda: image_bytes("WEBP"), "image/webp"),
        ("image", "a.gif", lambda: image_bytes("GIF"), "image/gif"),
        ("video", "v.mp4", mp4_bytes, "video/mp4"),
        ("video", "v.mov", lambda: mp4_bytes(b"qt  ", b"qt  "), "video/quicktime"),
        ("video", "v.webm", webm_bytes, "video/webm"),
        ("voice_clip", "c.wav", wav_bytes, "audio/wav"),
        ("voice_clip", "c.opus", opus_bytes, "audio/ogg"),
        ("voice_clip", "c.m4a", lambda: mp4_bytes(b"M4A ", b"M4A mp42isom"), "audio/mp4"),
        ("voice_clip", "c.webm", webm_bytes, "audio/webm"),
        (
            "voice_clip",
            "c.mp3",
            lambda: b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400,
            "audio/mpeg",
        ),
    ],
)
def test_it_keeps_each_accepted_type_with_its_digest_and_size(customer, kind, name, make, content_type):
    content = make()
    item = upload(customer, kind, name, content)
    item.refresh_from_db()
    assert (item.kind, item.content_type, item.size) == (kind, content_type, len(content))
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.crc32 == zlib.crc32(content)
    assert item.original_name == name
    assert item.title == name.rsplit(".", 1)[0]
    # A random stored name, with the extension of what the bytes are.
    assert re.fullmatch(r"content/[0-9a-f]{2}/[0-9a-f]{32}\.[a-z0-9]+", item.file.name)
    with item.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("kind", "name", "content"),
    [
        ("image", "holiday.jpg", b"<html><script>alert(1)</script></html>"),  # spoofed extension
        ("image", "photo.png", pdf_bytes()),  # a real type, not an image
        ("document", "letter.docx", zip_bytes()),  # a ZIP that is no document
        ("document", "tool.pdf", b"MZ\x90\x00" + b"\x00" * 200),  # a program
        ("document", "binary.txt", b"text then \x00\x01\x02 binary"),
        ("document", "latin1.txt", "caf\xe9 cr\xe8me".encode("latin-1")),  # not UTF-8
        ("voice_clip", "clip.ogg", theora_bytes()),  # Ogg video is not a voice clip
        ("voice_clip", "clip.wav", image_bytes("PNG")),
        ("video", "film.mp4", wav_bytes()),
    ],
)
def test_it_refuses_content_that_is_not_what_the_kind_accepts(customer, kind, name, content):
    with pytest.raises(ValidationError) as refused:
        upload(customer, kind, name, content)
    assert "file" in refused.value.message_dict
    assert not ContentItem.objects.exists()


def test_it_checks_all_of_a_text_file_not_only_its_start(customer):
    content = b"plain words\n" * 2000 + b"\x00 then binary"
    with pytest.raises(ValidationError):
        upload(customer, "document", "long.txt", content)


def test_it_refuses_a_file_over_its_kinds_limit_and_keeps_no_file(customer, settings):
    settings.CONTENT_UPLOAD_MAX_BYTES = {**settings.CONTENT_UPLOAD_MAX_BYTES, "voice_clip": 1000}
    before = set(_stored_names())
    with pytest.raises(ValidationError) as refused:
        upload(customer, "voice_clip", "long.wav", wav_bytes(seconds=1))
    assert "too large" in refused.value.message_dict["file"][0]
    assert set(_stored_names()) == before
    upload(customer, "voice_clip", "short.wav", wav_bytes(seconds=0.01))  # 160 bytes + header: fine


def test_a_row_that_cannot_be_saved_leaves_no_file(customer):
    before = set(_stored_names())
    with pytest.raises(ValidationError):
        upload(customer, "document", "a.pdf", pdf_bytes(), title="x" * 201)
    assert set(_stored_names()) == before


def test_a_refused_kind_refuses_its_uploads_until_allowed_again(customer):
    optional_kind_refuse(subject=customer, kind="voice_clips", actor=customer)
    with pytest.raises(ValidationError) as refused:
        upload(customer, "voice_clip", "clip.wav", wav_bytes())
    assert refused.value.error_dict["kind"][0].code == "refused"
    # Documents are not optional: they still go in.
    upload(customer, "document", "a.pdf", pdf_bytes())
    assert optional_kind_allow(subject=customer, kind="voice_clips", actor=customer) is True
    upload(customer, "voice_clip", "clip.wav", wav_bytes())
    assert ContentItem.objects.filter(owner=customer, kind="voice_clip").count() == 1


# --- The page, uploads through it, downloads ---------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("customer", 200), ("anonymous", 302)])
def test_the_page_is_for_signed_in_customers(client_as, persona, status):
    assert client_as(persona).get(CONTENT_URL).status_code == status


def test_the_page_lists_only_the_customers_own_files_by_kind(client_as, customer, other_customer):
    uploaded_item(customer, title="My clip")
    uploaded_item(other_customer, title="Their clip")
    page = html(client_as("customer").get(CONTENT_URL))
    assert "My clip" in page
    assert "Their clip" not in page


def test_the_page_costs_the_same_queries_for_many_files(client_as, customer, django_assert_max_num_queries):
    client = client_as("customer")
    uploaded_item(customer)
    with django_assert_max_num_queries(30) as few:
        client.get(CONTENT_URL)
    for _ in range(10):
        uploaded_item(customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(CONTENT_URL)


def test_a_customer_uploads_through_the_page(client_as, customer):
    response = client_as("customer").post(
        reverse("service_data:content_upload"),
        {"kind": "voice_clip", "title": "Meeting note", "file": upload_file("note.wav", wav_bytes())},
    )
    assert response.status_code == 302
    item = ContentItem.objects.get(owner=customer)
    assert (item.title, item.content_type) == ("Meeting note", "audio/wav")


def test_a_bad_upload_is_a_form_error_not_a_server_error(client_as, customer):
    client = client_as("customer")
    spoofed = client.post(
        reverse("service_data:content_upload"),
        {"kind": "image", "file": upload_file("cat.jpg", b"<svg onload=alert(1)>", "image/jpeg")},
    )
    assert spoofed.status_code == 400
    assert "error-summary" in html(spoofed)
    assert "We do not accept this file under “Image”" in html(spoofed)
    unknown_kind = client.post(reverse("service_data:content_upload"), {"kind": "weapon", "file": ""})
    assert unknown_kind.status_code == 400
    empty = client.post(reverse("service_data:content_upload"), {"kind": "document", "file": upload_file("e.txt", b"")})
    assert empty.status_code == 400
    assert not ContentItem.objects.exists()


def test_the_owner_downloads_as_an_attachment_that_never_renders(client_as, customer):
    item = upload(customer, "document", "Quarterly <report>.pdf", pdf_bytes())
    response = client_as("customer").get(reverse("service_data:content_download", args=[item.reference]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_a_text_file_downloads_as_utf8_text(client_as, customer):
    item = upload(customer, "document", "notes.txt", "xin chào".encode())
    response = client_as("customer").get(reverse("service_data:content_download", args=[item.reference]))
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_a_stored_type_outside_the_safe_list_downloads_as_bytes(client_as, customer):
    item = upload(customer, "document", "a.pdf", pdf_bytes())
    ContentItem.objects.filter(pk=item.pk).update(content_type="text/html")
    response = client_as("customer").get(reverse("service_data:content_download", args=[item.reference]))
    assert response["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize(("persona", "status"), [("customer", 200), ("other_customer", 404), ("anonymous", 302)])
def test_only_the_owner_may_download_or_delete(client_as, customer, persona, status):
    item = uploaded_item(customer)
    client = client_as(persona)
    assert client.get(reverse("service_data:content_download", args=[item.reference])).status_code == status
    assert client.get(reverse("service_data:content_delete", args=[item.reference])).status_code == status
    if persona != "customer":
        client.post(reverse("service_data:content_delete", args=[item.reference]))
        assert ContentItem.objects.filter(pk=item.pk).exists()


def test_a_file_missing_from_storage_is_a_404(client_as, customer):
    item = uploaded_item(customer)
    content_storage().delete(item.file.name)
    response = client_as("customer").get(reverse("service_data:content_download", args=[item.reference]))
    assert response.status_code == 404


def test_the_owner_deletes_a_file_with_its_history_and_stored_file(
    client_as, customer, django_capture_on_commit_callbacks
):
    item = uploaded_item(customer, title="Private thought")
    post = SharedPost.objects.create(author=customer, text="look", picture=None)
    name = item.file.name
    client = client_as("customer")
    confirm = client.get(reverse("service_data:content_delete", args=[item.reference]))
    assert "Private thought" in html(confirm)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("service_data:content_delete", args=[item.reference]))
    assert response.status_code == 302
    assert not ContentItem.objects.filter(pk=item.pk).exists()
    assert not ContentItem.history.filter(id=item.pk).exists()
    assert not content_storage().exists(name)
    assert Job.objects.get(kind=CONTENT_FILE_JOB, target=name).state == Job.State.DONE
    post.refresh_from_db()


# --- Optional kinds (P-38) -----------------------------------------------------------------


def test_refusing_deletes_what_was_given_of_that_kind_only(
    customer, other_customer, django_capture_on_commit_callbacks
):
    clips = [uploaded_item(customer) for _ in range(3)]
    image = uploaded_item(customer, "image", name="a.png", content=image_bytes())
    post = SharedPost.objects.create(author=customer, text="my picture", picture=image)
    theirs = uploaded_item(other_customer)
    names = [clip.file.name for clip in clips]

    with django_capture_on_commit_callbacks(execute=True):
        outcome = optional_kind_refuse(subject=customer, kind="voice_clips", actor=customer)

    assert (outcome.rows, outcome.files, outcome.held) == (3, 3, False)
    assert optional_kind_refused(customer, "voice_clips")
    assert not ContentItem.objects.filter(owner=customer, kind="voice_clip").exists()
    assert not ContentItem.history.filter(owner=customer, kind="voice_clip").exists()
    assert not any(content_storage().exists(name) for name in names)
    assert content_storage().exists(image.file.name)
    assert content_storage().exists(theirs.file.name)
    post.refresh_from_db()
    assert post.picture == image
    # The refusal has its history: when it was made, and by whom.
    assert OptionalKindRefusal.history.filter(subject=customer, kind="voice_clips").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        optional_kind_refuse(subject=customer, kind="images", actor=customer)
    post.refresh_from_db()
    assert post.picture is None
    assert post.text == "my picture"


def test_refusing_calendar_and_location_deletes_those_rows(customer, other_customer):
    now = timezone.now()
    CalendarEntry.objects.create(owner=customer, title="Dentist", starts_at=now, ends_at=now + timedelta(hours=1))
    CalendarEntry.objects.create(owner=other_customer, title="Theirs", starts_at=now, ends_at=now + timedelta(hours=1))
    LocationRecord.objects.create(owner=customer, recorded_at=now, latitude=21.0, longitude=105.8)
    assert optional_kind_refuse(subject=customer, kind="calendar", actor=customer).rows == 1
    assert optional_kind_refuse(subject=customer, kind="location", actor=customer).rows == 1
    assert not CalendarEntry.objects.filter(owner=customer).exists()
    assert not LocationRecord.objects.filter(owner=customer).exists()
    assert CalendarEntry.objects.filter(owner=other_customer).exists()


def test_refusing_twice_is_one_refusal(customer):
    optional_kind_refuse(subject=customer, kind="videos", actor=customer)
    optional_kind_refuse(subject=customer, kind="videos", actor=customer)
    assert OptionalKindRefusal.objects.filter(subject=customer, kind="videos").count() == 1
    with pytest.raises(ValidationError):
        optional_kind_refuse(subject=customer, kind="thoughts", actor=customer)


def test_a_file_the_storage_cannot_delete_yet_stays_owed_to_a_worker(
    customer, monkeypatch, django_capture_on_commit_callbacks
):
    clip = uploaded_item(customer)
    storage = type(content_storage())

    def away(self, name):
        raise OSError("storage away")

    monkeypatch.setattr(storage, "delete", away)
    sent = []
    monkeypatch.setattr("apps.service_data.services.content.job_dispatch", lambda job_id: sent.append(job_id))
    with django_capture_on_commit_callbacks(execute=True):
        optional_kind_refuse(subject=customer, kind="voice_clips", actor=customer)
    job = Job.objects.get(kind=CONTENT_FILE_JOB, target=clip.file.name)
    assert job.state == Job.State.QUEUED
    assert "storage away" in job.last_error
    assert sent == [job.pk]
    assert not ContentItem.objects.filter(pk=clip.pk).exists()

    monkeypatch.undo()
    from apps.core.jobs import job_run

    assert job_run(job_id=job.pk).state == Job.State.DONE
    assert not content_storage().exists(clip.file.name)


def test_the_confirmation_says_what_will_be_deleted_with_counts(client_as, customer):
    for _ in range(2):
        uploaded_item(customer)
    client = client_as("customer")
    confirm = client.get(reverse("service_data:optional_refuse", args=["voice_clips"]))
    assert confirm.status_code == 200
    assert "We will delete the 2 items you gave us" in html(confirm)
    assert client.get(reverse("service_data:optional_refuse", args=["nonsense"])).status_code == 404
    assert ContentItem.objects.filter(owner=customer).count() == 2  # a GET changes nothing
    response = client.post(reverse("service_data:optional_refuse", args=["voice_clips"]))
    assert response.status_code == 302
    assert not ContentItem.objects.filter(owner=customer).exists()
    page = html(client.get(CONTENT_URL))
    assert "Allow: Voice clips" in page
    client.post(reverse("service_data:optional_allow", args=["voice_clips"]))
    assert not optional_kind_refused(customer, "voice_clips")


def test_switches_change_nothing_for_someone_signed_out(client_as, customer):
    client = client_as("anonymous")
    assert client.post(reverse("service_data:optional_refuse", args=["voice_clips"])).status_code == 302
    assert not OptionalKindRefusal.objects.exists()


def _stored_names() -> list[str]:
    storage = content_storage()
    names = []
    if not storage.exists("content"):
        return names
    folders, _ = storage.listdir("content")
    for folder in folders:
        names += [f"content/{folder}/{name}" for name in storage.listdir(f"content/{folder}")[1]]
    return names


# --- The admin ------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("officer", 200), ("support_agent", 403), ("customer", 302)])
def test_officers_list_content_read_only_without_opening_it(client_as, customer, persona, status):
    item = uploaded_item(customer, title="Board minutes")
    SharedPost.objects.create(author=customer, text="Shared words", picture=item)
    client = client_as(persona)
    listing = client.get(reverse("admin:service_data_contentitem_changelist"), {"q": "Board"})
    assert listing.status_code == status
    assert client.get(reverse("admin:service_data_sharedpost_changelist")).status_code == status
    if status != 200:
        return
    assert "Board minutes" in html(listing)
    page = html(client.get(reverse("admin:service_data_contentitem_change", args=[item.pk])))
    assert "Board minutes" in page
    # Neither the stored file nor a way to it.
    assert item.file.name not in page
    assert "download" not in page.lower()
    assert client.post(reverse("admin:service_data_contentitem_delete", args=[item.pk])).status_code == 403


def test_an_upload_past_every_limit_stops_being_read_and_says_so(client_as, customer, settings):
    settings.CONTENT_UPLOAD_MAX_BYTES = dict.fromkeys(settings.CONTENT_UPLOAD_MAX_BYTES, 2000)
    client = client_as("customer")
    response = client.post(
        reverse("service_data:content_upload"),
        {"kind": "voice_clip", "file": upload_file("long.wav", wav_bytes(seconds=2))},
    )
    assert response.status_code == 400
    assert "The file is too large" in html(response)
    assert not ContentItem.objects.exists()


def test_the_upload_still_checks_the_csrf_token(customer):
    from django.test import Client

    from tests.helpers import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, customer)
    response = client.post(
        reverse("service_data:content_upload"), {"kind": "voice_clip", "file": upload_file("a.wav", wav_bytes())}
    )
    assert response.status_code == 403
    assert not ContentItem.objects.exists()


# --- Shared posts -----------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("customer", 302), ("other_customer", 404)])
def test_only_the_author_deletes_a_shared_post_and_its_picture_stays(client_as, customer, persona, status):
    picture = uploaded_item(customer, "image", name="a.png", content=image_bytes(), title="Sunset")
    post = SharedPost.objects.create(author=customer, text="Look at this sunset", picture=picture)
    client = client_as(persona)
    if persona == "customer":
        page = html(client.get(CONTENT_URL))
        assert "Look at this sunset" in page
        assert "with the picture “Sunset”" in page
    url = reverse("service_data:shared_post_delete", args=[post.reference])
    assert client.post(url).status_code == status
    assert SharedPost.objects.filter(pk=post.pk).exists() is (persona != "customer")
    if persona == "customer":
        assert not SharedPost.history.filter(id=post.pk).exists()
        assert ContentItem.objects.filter(pk=picture.pk).exists()


def test_a_file_larger_than_the_form_data_limit_goes_through(client_as, customer, settings):
    """DATA_UPLOAD_MAX_MEMORY_SIZE caps form fields, not files; past FILE_UPLOAD_MAX_MEMORY_SIZE
    the file arrives in a temporary file, not in memory."""
    content = b"a line of plain text\n" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 21 + 5000)
    assert len(content) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert len(content) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = client_as("customer").post(
        reverse("service_data:content_upload"), {"kind": "document", "file": upload_file("big.txt", content)}
    )
    assert response.status_code == 302
    item = ContentItem.objects.get(owner=customer)
    assert item.size == len(content)
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.crc32 == zlib.crc32(content)


def test_a_refusal_made_while_the_file_travels_deletes_that_upload_too(
    customer, monkeypatch, django_capture_on_commit_callbacks
):
    """The refusal commits between the upload's first check and its row: the upload sees it
    after saving, and its file goes at once."""
    from apps.core import files

    real_save = files.save_with_file

    def refused_meanwhile(instance, field, filename, content):
        optional_kind_refuse(subject=customer, kind="voice_clips", actor=customer)
        return real_save(instance, field, filename, content)

    monkeypatch.setattr("apps.service_data.services.content.save_with_file", refused_meanwhile)
    before = set(_stored_names())
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        uploaded_item(customer)
    assert refused.value.error_dict["kind"][0].code == "refused"
    assert not ContentItem.objects.filter(owner=customer).exists()
    assert set(_stored_names()) == before
