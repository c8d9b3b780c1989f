"""The profile picture (P-01): checked, re-encoded without metadata, private, served only to its owner."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from apps.accounts.models import User
from apps.accounts.services import user_set_profile_picture
from tests.helpers import sign_in
from tests.helpers.content import html, png_bytes, upload

pytestmark = pytest.mark.django_db


LOGIN_URL = reverse("account_login")


def jpeg_with_exif_bytes() -> bytes:
    image = Image.new("RGB", (16, 16), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Acme Camera Co"  # Make
    exif[0x0110] = "Spy-Cam 3000"  # Model
    exif[0xA431] = "SERIAL-1234567"  # BodySerialNumber
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    data = out.getvalue()
    # Guard the fixture itself: the upload really carries the metadata.
    with Image.open(BytesIO(data)) as check:
        assert check.getexif().get(0x010F) == "Acme Camera Co"
    return data


def private_root() -> Path:
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()


def stored_path(user: User) -> Path:
    return Path(user.profile_picture.path).resolve()


def test_it_accepts_a_small_png_and_stores_it_in_private_storage(client_as, customer):
    response = client_as("customer").post(reverse("accounts:picture_edit"), {"picture": upload("me.png", png_bytes())})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:details")
    customer.refresh_from_db()
    assert customer.profile_picture.name.startswith("profile-pictures/")
    assert "me" not in Path(customer.profile_picture.name).stem  # the original name is not kept
    path = stored_path(customer)
    assert path.is_file()
    assert path.is_relative_to(private_root())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    for static_dir in settings.STATICFILES_DIRS:
        assert not path.is_relative_to(Path(static_dir).resolve())
    with Image.open(path) as stored:
        assert stored.format == "PNG"
        assert stored.size == (8, 8)


def test_it_gives_stored_pictures_no_public_url(client_as, customer_picture, customer):
    # The storage's base_url is deliberately not routed.
    assert client_as("anonymous").get(customer.profile_picture.url).status_code == 404
    assert client_as("customer").get(customer.profile_picture.url).status_code == 404


def test_it_removes_exif_data_when_re_encoding_a_jpeg(client_as, customer):
    original = jpeg_with_exif_bytes()
    response = client_as("customer").post(
        reverse("accounts:picture_edit"), {"picture": upload("holiday.jpg", original, "image/jpeg")}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    stored = stored_path(customer).read_bytes()
    assert stored != original
    assert b"Exif" not in stored
    assert b"Acme Camera Co" not in stored
    assert b"SERIAL-1234567" not in stored
    with Image.open(BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info


def test_it_serves_the_picture_only_to_its_owner(client_as, customer_picture):
    response = client_as("customer").get(reverse("accounts:own_picture"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == customer_picture

    # Another customer without a picture gets 404, never the customer's picture.
    assert client_as("other_customer").get(reverse("accounts:own_picture")).status_code == 404


def test_it_serves_another_customer_their_own_picture(client_as, customer_picture, other_customer):
    user_set_profile_picture(
        user=other_customer, actor=other_customer, upload=upload("other.png", png_bytes(colour=(9, 9, 9)))
    )
    other_customer.refresh_from_db()
    response = client_as("other_customer").get(reverse("accounts:own_picture"))
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served == Path(other_customer.profile_picture.path).read_bytes()
    assert served != customer_picture


def test_it_does_not_serve_pictures_to_anonymous_visitors(client_as, customer_picture):
    response = client_as("anonymous").get(reverse("accounts:own_picture"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        (
            "notes.txt",
            b"just some text, not a picture",
            "text/plain",
            "This file is not a picture we can read. Use a JPEG, PNG or WebP picture.",
        ),
        (
            "sneaky.png",
            b"<?php echo 'not really a png'; ?>",
            "image/png",
            "This file is not a picture we can read. Use a JPEG, PNG or WebP picture.",
        ),
        (
            "huge.png",
            png_bytes() + b"\0" * (settings.PROFILE_PICTURE_MAX_BYTES + 1),
            "image/png",
            "The picture is too large: the limit is 2 MB.",
        ),
    ],
    ids=["not-an-image", "text-named-png", "oversized"],
)
def test_it_rejects_a_bad_upload_and_keeps_the_old_picture(
    client_as, customer, customer_picture, name, content, content_type, message
):
    old_name = customer.profile_picture.name
    response = client_as("customer").post(
        reverse("accounts:picture_edit"), {"picture": upload(name, content, content_type)}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["picture"] == [message]
    assert escape(message) in html(response)
    customer.refresh_from_db()
    assert customer.profile_picture.name == old_name
    assert stored_path(customer).read_bytes() == customer_picture


def test_it_rejects_an_image_in_a_format_we_do_not_accept(client_as, customer):
    out = BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    response = client_as("customer").post(
        reverse("accounts:picture_edit"), {"picture": upload("anim.gif", out.getvalue(), "image/gif")}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["picture"] == ["Use a JPEG, PNG or WebP picture."]
    customer.refresh_from_db()
    assert not customer.profile_picture


def test_it_asks_for_a_file_when_nothing_is_chosen(customer):
    # As a browser sends it: CSRF enforced, so the form carries only its token.
    client = sign_in(Client(enforce_csrf_checks=True), customer)
    client.get(reverse("accounts:picture_edit"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(reverse("accounts:picture_edit"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert escape("Choose a picture to upload, or tick “Remove my picture”.") in html(response)


def test_it_removes_the_picture_and_deletes_the_file_after_commit(
    client_as, customer, customer_picture, django_capture_on_commit_callbacks
):
    old_path = stored_path(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("customer").post(reverse("accounts:picture_edit"), {"remove": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert not customer.profile_picture
    assert not old_path.exists()
    assert client_as("customer").get(reverse("accounts:own_picture")).status_code == 404


def test_it_deletes_the_replaced_file_after_commit(
    client_as, customer, customer_picture, django_capture_on_commit_callbacks
):
    old_path = stored_path(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("customer").post(
            reverse("accounts:picture_edit"), {"picture": upload("new.png", png_bytes(colour=(0, 255, 0)))}
        )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert stored_path(customer) != old_path
    assert stored_path(customer).is_file()
    assert not old_path.exists()


def test_it_records_the_customer_as_the_author_of_a_picture_change(client_as, customer):
    client_as("customer").post(reverse("accounts:picture_edit"), {"picture": upload("me.png", png_bytes())})
    record = customer.history.first()
    assert record.history_user == customer
    assert record.history_change_reason == "profile picture changed"
    assert record.profile_picture
