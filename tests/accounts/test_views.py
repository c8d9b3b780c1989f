"""Your Account pages (P-01, P-03): who may see them, and what editing does."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from apps.accounts.models import LoginEvent, PublicProfile, User
from apps.accounts.services import user_set_profile_picture
from tests.factories import LoginEventFactory, PublicProfileFactory, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")

# --- Helpers ------------------------------------------------------------------------


def png_bytes(size: tuple[int, int] = (8, 8), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


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


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def private_root() -> Path:
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()


def stored_path(user: User) -> Path:
    return Path(user.profile_picture.path).resolve()


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def customer_picture(customer) -> bytes:
    """Give the customer a picture through the real service; returns the stored bytes."""
    user_set_profile_picture(user=customer, actor=customer, upload=upload("me.png", png_bytes(colour=(1, 2, 3))))
    customer.refresh_from_db()
    return Path(customer.profile_picture.path).read_bytes()


# --- Who may see each page ------------------------------------------------------------

ACCOUNT_PAGES = [
    reverse("accounts:overview"),
    reverse("accounts:details"),
    reverse("accounts:detail_edit", args=["name"]),
    reverse("accounts:detail_edit", args=["phone"]),
    reverse("accounts:detail_edit", args=["address"]),
    reverse("accounts:detail_edit", args=["country"]),
    reverse("accounts:detail_edit", args=["language"]),
    reverse("accounts:picture_edit"),
    reverse("accounts:own_picture"),
    reverse("accounts:security"),
    reverse("accounts:public_profile_edit"),
]


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_it_shows_each_account_page_to_the_signed_in_customer(client_as, customer_picture, url):
    response = client_as("customer").get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client_as, url):
    response = client_as("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={url}"


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:detail_edit", args=["name"]),
        reverse("accounts:picture_edit"),
        reverse("accounts:public_profile_edit"),
    ],
)
def test_it_does_not_let_anonymous_visitors_post_changes(client_as, url):
    response = client_as("anonymous").post(url, {"full_name": "Mallory"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_it_returns_404_for_an_unknown_detail_key(client_as):
    client = client_as("customer")
    assert client.get(reverse("accounts:detail_edit", args=["email"])).status_code == 404
    assert client.post(reverse("accounts:detail_edit", args=["is_staff"]), {"is_staff": "on"}).status_code == 404


def test_it_shows_the_customers_details(client_as, customer):
    customer.phone = "+442079460958"
    customer.mailing_address = "1 High Street\nLondon"
    customer.save()
    page = html(client_as("customer").get(reverse("accounts:details")))
    assert "Casey Customer" in page
    assert "customer@example.test" in page
    assert "+44 20 7946 0958" in page  # stored as E.164, shown in international format
    assert "1 High Street<br>London" in page
    assert "United Kingdom" in page


# --- Editing details ---------------------------------------------------------------------


def test_it_saves_a_new_full_name(client_as, customer):
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["name"]), {"full_name": "Casey New"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:details")
    customer.refresh_from_db()
    assert customer.full_name == "Casey New"


def test_it_confirms_the_save_on_the_next_page(client_as):
    response = client_as("customer").post(
        reverse("accounts:detail_edit", args=["name"]), {"full_name": "Casey New"}, follow=True
    )
    assert "Your full name was saved." in html(response)
    assert "Casey New" in html(response)


def test_it_saves_a_valid_international_phone_number_as_e164(client_as, customer):
    response = client_as("customer").post(
        reverse("accounts:detail_edit", args=["phone"]), {"phone": "+44 20 7946 0958"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "+442079460958"


def test_it_reads_a_national_number_in_the_customers_country(client_as, customer):
    # The customer's country (GB) is the region for a number without a country code.
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["phone"]), {"phone": "020 7946 0958"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "+442079460958"


def test_it_rejects_a_malformed_phone_number_with_a_clear_message(client_as, customer):
    customer.phone = "+842438253536"
    customer.save()
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["phone"]), {"phone": "12ab"})
    # The view re-renders the form (200) with the error next to the field.
    assert response.status_code == 200
    message = "Enter a phone number with its country code, for example +44 20 7946 0958."
    assert response.context["form"].errors["phone"] == [message]
    assert escape(message) in html(response)
    customer.refresh_from_db()
    assert customer.phone == "+842438253536"


def test_it_rejects_a_phone_number_with_impossible_digits(client_as, customer):
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["phone"]), {"phone": "+44 12"})
    assert response.status_code == 200
    message = "This is not a valid phone number. Check the digits and the country code."
    assert escape(message) in html(response)
    customer.refresh_from_db()
    assert customer.phone == ""


def test_it_saves_a_mailing_address(client_as, customer):
    address = "Flat 2\n10 Downing Street\nLondon SW1A 2AA"
    response = client_as("customer").post(
        reverse("accounts:detail_edit", args=["address"]), {"mailing_address": address}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.mailing_address == address


def test_it_rejects_a_mailing_address_over_the_limit(client_as, customer):
    response = client_as("customer").post(
        reverse("accounts:detail_edit", args=["address"]), {"mailing_address": "x" * 501}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mailing_address"]
    customer.refresh_from_db()
    assert customer.mailing_address == ""


def test_it_saves_a_country(client_as, customer):
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["country"]), {"country": "VN"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.country.code == "VN"


def test_it_rejects_an_invalid_country_code(client_as, customer):
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["country"]), {"country": "XX"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["country"][0]
    customer.refresh_from_db()
    assert customer.country.code == "GB"


def test_it_rejects_an_unknown_language(client_as, customer):
    response = client_as("customer").post(
        reverse("accounts:detail_edit", args=["language"]), {"preferred_language": "fr"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["preferred_language"][0]
    customer.refresh_from_db()
    assert customer.preferred_language == "en"


def test_it_switches_language_and_later_pages_render_in_vietnamese(client_as, customer):
    client = client_as("customer")
    assert '<html lang="en">' in html(client.get(reverse("accounts:overview")))

    response = client.post(reverse("accounts:detail_edit", args=["language"]), {"preferred_language": "vi"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.preferred_language == "vi"

    for url in (reverse("accounts:details"), reverse("accounts:overview"), reverse("accounts:security")):
        assert '<html lang="vi">' in html(client.get(url)), url


def test_it_keeps_the_preferred_language_in_a_new_session(client, customer):
    customer.preferred_language = "vi"
    customer.save()
    sign_in(client, customer)
    assert '<html lang="vi">' in html(client.get(reverse("accounts:overview")))


# --- Profile picture ------------------------------------------------------------------------


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


# --- Language switcher ------------------------------------------------------------------------


def test_it_rejects_an_unknown_language_in_the_switcher(client_as, customer):
    response = client_as("customer").post(reverse("accounts:language_switch"), {"language": "xx", "next": "/account/"})
    assert response.status_code == 400
    assert "Unknown language" in html(response)
    customer.refresh_from_db()
    assert customer.preferred_language == "en"


def test_it_redirects_an_unsafe_next_to_the_home_page(client_as):
    response = client_as("anonymous").post(
        reverse("accounts:language_switch"), {"language": "vi", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["//evil.example/", "https:///evil.example", "javascript:alert(1)"])
def test_it_redirects_other_unsafe_next_values_to_the_home_page(client_as, next_url):
    response = client_as("anonymous").post(reverse("accounts:language_switch"), {"language": "vi", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_follows_a_safe_next_and_remembers_the_choice(client_as, customer):
    client = client_as("customer")
    response = client.post(reverse("accounts:language_switch"), {"language": "vi", "next": "/account/details/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/details/"
    assert response.cookies["django_language"].value == "vi"
    customer.refresh_from_db()
    assert customer.preferred_language == "vi"
    assert '<html lang="vi">' in html(client.get("/account/details/"))


def test_it_switches_language_for_anonymous_visitors_by_cookie(client_as):
    client = client_as("anonymous")
    client.post(reverse("accounts:language_switch"), {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in html(client.get("/"))


def test_it_accepts_only_post_on_the_language_switcher(client_as):
    assert client_as("anonymous").get(reverse("accounts:language_switch"), {"language": "vi"}).status_code == 405


# --- Security page: login history ---------------------------------------------------------------


def test_it_shows_only_the_customers_own_login_history(client_as, customer, other_customer):
    LoginEventFactory(user=customer, ip_address="198.51.100.10", browser="Firefox 131")
    LoginEventFactory(user=customer, ip_address="198.51.100.11", succeeded=False)
    LoginEventFactory(user=other_customer, ip_address="192.0.2.99", browser="Opera 99")
    LoginEventFactory(user=None, ip_address="192.0.2.100", succeeded=False)

    response = client_as("customer").get(reverse("accounts:security"))
    page = html(response)
    assert response.status_code == 200
    assert "198.51.100.10" in page
    assert "198.51.100.11" in page
    assert "Firefox 131" in page
    assert "Failed" in page
    assert "192.0.2.99" not in page
    assert "Opera 99" not in page
    assert "192.0.2.100" not in page
    assert {event.user_id for event in response.context["page"].object_list} == {customer.pk}


def test_it_paginates_login_history_newest_first(client_as, customer):
    from datetime import timedelta

    from django.utils import timezone

    client = client_as("customer")
    LoginEvent.objects.filter(user=customer).delete()  # the sign-in's own event aside
    now = timezone.now()
    for i in range(25):
        LoginEventFactory(user=customer, ip_address=f"198.51.100.{i + 1}", occurred_at=now - timedelta(minutes=i))

    first = client.get(reverse("accounts:security"))
    assert first.status_code == 200
    events = list(first.context["page"].object_list)
    assert len(events) == 20
    assert [e.ip_address for e in events[:2]] == ["198.51.100.1", "198.51.100.2"]
    assert "Page 1 of 2" in html(first)
    assert 'href="?page=2"' in html(first)

    second = client.get(reverse("accounts:security"), {"page": 2})
    assert [e.ip_address for e in second.context["page"].object_list] == [f"198.51.100.{i}" for i in range(21, 26)]
    assert "Page 2 of 2" in html(second)

    # Out-of-range or garbage page numbers fall back to a real page, not an error.
    assert client.get(reverse("accounts:security"), {"page": 99}).context["page"].number == 2
    assert client.get(reverse("accounts:security"), {"page": "abc"}).context["page"].number == 1


def test_it_says_when_there_is_no_login_history(client_as, customer):
    client = client_as("customer")
    LoginEvent.objects.filter(user=customer).delete()  # (signing in records one)
    assert "No sign-ins recorded yet." in html(client.get(reverse("accounts:security")))


# --- Public profile settings ----------------------------------------------------------------


def test_it_creates_a_private_public_profile_on_first_visit(client_as, customer):
    response = client_as("customer").get(reverse("accounts:public_profile_edit"))
    assert response.status_code == 200
    profile = PublicProfile.objects.get(user=customer)
    assert profile.handle.startswith("user-")
    assert not profile.is_visible
    assert "Your profile is private: nothing is shown publicly." in html(response)


def test_it_saves_public_profile_choices(client_as, customer):
    response = client_as("customer").post(
        reverse("accounts:public_profile_edit"),
        {"handle": "casey", "display_name": "Casey C", "show_display_name": "on"},
    )
    assert response.status_code == 302
    profile = PublicProfile.objects.get(user=customer)
    assert (profile.handle, profile.display_name, profile.show_display_name, profile.show_avatar) == (
        "casey",
        "Casey C",
        True,
        False,
    )


def test_it_rejects_a_handle_with_odd_characters(client_as, customer):
    PublicProfileFactory(user=customer, handle="casey")
    response = client_as("customer").post(
        reverse("accounts:public_profile_edit"), {"handle": "casey <b>!", "show_display_name": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["handle"]
    # Nothing was saved: the page must not say the profile is now public.
    assert "Your profile is private: nothing is shown publicly." in html(response)
    profile = PublicProfile.objects.get(user=customer)
    assert profile.handle == "casey"
    assert not profile.show_display_name


# --- History: who made each change -------------------------------------------------------------


def test_it_records_the_customer_as_the_author_of_a_details_change(client_as, customer):
    client_as("customer").post(reverse("accounts:detail_edit", args=["name"]), {"full_name": "Casey Changed"})
    record = customer.history.first()
    assert record.full_name == "Casey Changed"
    assert record.history_user == customer
    assert record.history_change_reason == "name changed by the customer"


def test_it_records_the_customer_as_the_author_of_a_picture_change(client_as, customer):
    client_as("customer").post(reverse("accounts:picture_edit"), {"picture": upload("me.png", png_bytes())})
    record = customer.history.first()
    assert record.history_user == customer
    assert record.history_change_reason == "profile picture changed"
    assert record.profile_picture


def test_it_records_the_customer_as_the_author_of_a_language_switch(client_as, customer):
    client_as("customer").post(reverse("accounts:language_switch"), {"language": "vi", "next": "/"})
    record = customer.history.first()
    assert record.preferred_language == "vi"
    assert record.history_user == customer
    assert record.history_change_reason == "language switched"


def test_it_records_the_customer_as_the_author_of_a_public_profile_change(client_as, customer):
    client_as("customer").post(reverse("accounts:public_profile_edit"), {"handle": "casey", "show_avatar": "on"})
    profile = PublicProfile.objects.get(user=customer)
    record = profile.history.first()
    assert record.show_avatar is True
    assert record.history_user == customer
    assert record.history_change_reason == "public profile changed"


def test_it_keeps_other_customers_out_of_the_history_of_a_change(client_as, customer, other_customer):
    client_as("customer").post(reverse("accounts:detail_edit", args=["phone"]), {"phone": "+44 20 7946 0958"})
    assert not other_customer.history.filter(history_type="~").exists()
    assert customer.history.filter(history_user=other_customer).count() == 0


def test_it_does_not_write_history_for_a_rejected_change(client_as, customer):
    client = client_as("customer")
    before = customer.history.count()
    client.post(reverse("accounts:detail_edit", args=["country"]), {"country": "XX"})
    client.post(reverse("accounts:picture_edit"), {"picture": upload("x.png", b"nope")})
    assert customer.history.count() == before


def test_it_does_not_let_a_customer_edit_someone_else(client_as, customer, other_customer):
    # Every edit acts on request.user; there is no id in the URL to tamper with.
    client_as("customer").post(reverse("accounts:detail_edit", args=["name"]), {"full_name": "Hijacked"})
    other_customer.refresh_from_db()
    assert other_customer.full_name == "Olu Other"
    assert UserFactory._meta.model.objects.filter(full_name="Hijacked").get() == customer
