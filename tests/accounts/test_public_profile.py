"""P-04: the public profile shows exactly what the customer chose, and nothing else."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from apps.accounts.models import Artist, ArtistFollow, Follow, PublicProfile
from apps.accounts.services import user_set_profile_picture
from tests.factories import PublicProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist

    name = factory.Sequence(lambda n: f"Artist {n}")


class ArtistFollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArtistFollow

    user = factory.SubFactory(UserFactory)
    artist = factory.SubFactory(ArtistFactory)


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)


# What each visibility flag reveals, as text that appears in the page when it is on.
FLAGS = ("show_display_name", "show_avatar", "show_follower_count", "show_followers", "show_recent_artists")


def png_upload() -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (8, 8), (40, 80, 120)).save(out, format="PNG")
    return SimpleUploadedFile("face.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def star(customer):
    """A customer with every kind of data the public page could show, and private data it must not."""
    customer.phone = "+442079460958"
    customer.mailing_address = "221B Baker Street, London"
    customer.save()
    user_set_profile_picture(user=customer, actor=customer, upload=png_upload())
    customer.refresh_from_db()
    profile = PublicProfileFactory(user=customer, handle="casey", display_name="DJ Casey")

    fan = UserFactory(email="fan@example.test", full_name="Fiona Fan")
    PublicProfileFactory(user=fan, handle="fiona-fan", show_display_name=True)
    FollowFactory(follower=fan, followed=customer)
    # A second follower with a private profile: counted, never listed.
    shy = UserFactory(email="shy@example.test", full_name="Sam Shy")
    PublicProfileFactory(user=shy, handle="sam-shy")
    FollowFactory(follower=shy, followed=customer)

    ArtistFollowFactory(user=customer, artist=ArtistFactory(name="Nina Simone"))
    ArtistFollowFactory(user=customer, artist=ArtistFactory(name="Bob Marley"))
    # Another user's artists never appear on the customer's page.
    ArtistFollowFactory(user=fan, artist=ArtistFactory(name="Unrelated Band"))
    return profile


def set_flags(profile: PublicProfile, **flags: bool) -> None:
    for name in FLAGS:
        setattr(profile, name, flags.get(name, False))
    profile.save()


def public_page(client, handle: str = "casey"):
    return client.get(reverse("accounts:public_profile", kwargs={"handle": handle}))


# Personal data that must never be on the public page, whatever is chosen.
NEVER_SHOWN = (
    "customer@example.test",
    "+442079460958",
    "+44 20 7946 0958",
    "221B Baker Street",
    "fan@example.test",
    "shy@example.test",
    "Fiona Fan",
    "Sam Shy",
)

# What each flag reveals, and markers of what the other flags would reveal.
REVEALS = {
    "show_display_name": ["DJ Casey"],
    "show_avatar": ["/u/casey/avatar/"],
    "show_follower_count": ["2 followers"],
    "show_followers": ["fiona-fan", "Followers"],
    "show_recent_artists": ["Nina Simone", "Bob Marley", "Recently followed artists"],
}


def test_it_is_404_when_nothing_is_chosen(client, star):
    assert not star.is_visible
    assert public_page(client).status_code == 404


def test_it_is_404_for_a_customer_who_never_opened_the_settings(client, other_customer):
    assert public_page(client, "user-0000000000").status_code == 404


@pytest.mark.parametrize("flag", FLAGS)
def test_it_shows_exactly_the_chosen_part(client, star, flag):
    set_flags(star, **{flag: True})
    response = public_page(client)
    assert response.status_code == 200
    page = response.content.decode()

    for text in REVEALS[flag]:
        assert text in page, (flag, text)
    for other_flag, texts in REVEALS.items():
        if other_flag != flag:
            for text in texts:
                assert text not in page, (flag, other_flag, text)
    for text in NEVER_SHOWN:
        assert text not in page, (flag, text)
    # The real name is not the display name and is never shown unless it is the fallback.
    assert "Casey Customer" not in page
    # The shy follower's private handle and the other user's artists never leak.
    assert "sam-shy" not in page
    assert "Unrelated Band" not in page
    # Without the display name the page is titled by handle only.
    if flag != "show_display_name":
        assert "<h1>casey</h1>" in page


def test_it_shows_everything_chosen_at_once_and_still_no_private_data(client, star):
    set_flags(star, **dict.fromkeys(FLAGS, True))
    page = public_page(client).content.decode()
    for texts in REVEALS.values():
        for text in texts:
            assert text in page
    for text in NEVER_SHOWN:
        assert text not in page
    assert "sam-shy" not in page


def test_it_lists_recent_artists_newest_first(client, star, customer):
    ArtistFollowFactory(user=customer, artist=ArtistFactory(name="Zebra Newest"), followed_at=timezone.now())
    ArtistFollow.objects.filter(artist__name="Nina Simone").update(followed_at=timezone.now() - timedelta(days=3))
    ArtistFollow.objects.filter(artist__name="Bob Marley").update(followed_at=timezone.now() - timedelta(days=1))
    set_flags(star, show_recent_artists=True)
    page = public_page(client).content.decode()
    assert page.index("Zebra Newest") < page.index("Bob Marley") < page.index("Nina Simone")


def test_it_does_not_list_closed_followers(client, star):
    fan = PublicProfile.objects.get(handle="fiona-fan").user
    fan.status = "closed"
    fan.closed_at = timezone.now()
    fan.save()
    set_flags(star, show_followers=True)
    page = public_page(client).content.decode()
    assert "fiona-fan" not in page
    assert "No public followers yet." in page


def test_it_falls_back_to_the_handle_when_no_display_name_is_shown(client, star):
    set_flags(star, show_follower_count=True)
    page = public_page(client).content.decode()
    assert "<title>casey · Privacy Portal</title>" in page
    assert "DJ Casey" not in page
    assert "Casey Customer" not in page


def test_it_finds_the_profile_whatever_the_case_of_the_handle(client, star):
    set_flags(star, show_display_name=True)
    assert public_page(client, "CASEY").status_code == 200


# --- Avatar ------------------------------------------------------------------------------


def test_it_serves_the_avatar_when_chosen(client, star, customer):
    set_flags(star, show_avatar=True)
    response = client.get(reverse("accounts:public_avatar", kwargs={"handle": "casey"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == Path(customer.profile_picture.path).read_bytes()


@pytest.mark.parametrize("flag", [f for f in FLAGS if f != "show_avatar"])
def test_it_is_404_for_the_avatar_when_it_is_not_chosen(client, star, flag):
    set_flags(star, **{flag: True})
    assert public_page(client).status_code == 200
    assert client.get(reverse("accounts:public_avatar", kwargs={"handle": "casey"})).status_code == 404


def test_it_is_404_for_the_avatar_when_there_is_no_picture(client, other_customer):
    PublicProfileFactory(user=other_customer, handle="olu", show_avatar=True)
    assert client.get(reverse("accounts:public_avatar", kwargs={"handle": "olu"})).status_code == 404
    page = public_page(client, "olu").content.decode()
    assert "/avatar/" not in page


# --- Closed and deactivated accounts --------------------------------------------------------


def test_it_is_404_for_a_closed_account(client, star, customer):
    set_flags(star, **dict.fromkeys(FLAGS, True))
    customer.status = "closed"
    customer.closed_at = timezone.now()
    customer.save()
    assert public_page(client).status_code == 404
    assert client.get(reverse("accounts:public_avatar", kwargs={"handle": "casey"})).status_code == 404


def test_it_is_404_for_a_deactivated_account(client, star, customer):
    set_flags(star, **dict.fromkeys(FLAGS, True))
    customer.is_active = False
    customer.save()
    assert public_page(client).status_code == 404
    assert client.get(reverse("accounts:public_avatar", kwargs={"handle": "casey"})).status_code == 404


# --- Handles --------------------------------------------------------------------------------


def test_it_rejects_a_handle_taken_in_another_case(client_as, customer, other_customer):
    PublicProfileFactory(user=other_customer, handle="casey")
    response = client_as("customer").post(
        reverse("accounts:public_profile_edit"), {"handle": "CaSeY", "show_display_name": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["handle"] == ["This handle is taken. Try another."]
    page = response.content.decode()
    assert escape("This handle is taken. Try another.") in page
    # Nothing was saved, so the page must not claim the profile is public at the other customer's address.
    assert "Your profile is private: nothing is shown publicly." in page
    assert 'href="/u/CaSeY/"' not in page
    assert 'value="CaSeY"' in page  # what the customer typed is kept in the form
    assert not PublicProfile.objects.filter(user=customer, handle__iexact="casey").exists()
    assert not PublicProfile.objects.get(user=customer).show_display_name
    assert PublicProfile.objects.get(handle="casey").user == other_customer


def test_it_lets_a_customer_keep_their_own_handle_in_another_case(client_as, customer):
    PublicProfileFactory(user=customer, handle="casey")
    response = client_as("customer").post(reverse("accounts:public_profile_edit"), {"handle": "Casey"})
    assert response.status_code == 302
    assert PublicProfile.objects.get(user=customer).handle == "Casey"


@pytest.mark.parametrize(
    "path",
    [
        "/u/%3Cscript%3E/",
        "/u/..%2F..%2Fetc%2Fpasswd/",
        "/u/casey%00/",
        "/u/casey'--/",
        "/u/%E2%80%AEcasey/",
        "/u/" + "a" * 500 + "/",
        "/u/ca sey/",
        "/u/%F0%9F%92%A9/avatar/",
        "/u/..%2Fcasey/avatar/",
    ],
)
def test_it_answers_404_to_a_tampered_handle(client, star, path):
    set_flags(star, **dict.fromkeys(FLAGS, True))
    response = client.get(path)
    assert response.status_code == 404
