"""Local time and names (#16): each customer's time zone on their pages and in their emails,
one date format per language, and greetings by the name they are called by."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from apps.accounts.models import LoginEvent, User
from apps.retention.services.deletion import account_deletion_request
from tests.factories import LoginEventFactory, UserFactory
from tests.helpers import sign_in
from tests.helpers.content import html

pytestmark = pytest.mark.django_db

# 13:18 UTC on 5 December 2026 is 20:18 in Hanoi and Ho Chi Minh City (GMT+7, no summer time).
SIGNED_IN_AT = datetime(2026, 12, 5, 13, 18, tzinfo=UTC)


@pytest.fixture
def bao(db) -> User:
    return UserFactory(email="bao@example.test", full_name="Nguyễn Văn Bảo", country="VN")


def _signed_in(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    LoginEvent.objects.filter(user=user).delete()  # the test's own sign-in aside
    LoginEventFactory(user=user, occurred_at=SIGNED_IN_AT, ip_address="198.51.100.7")
    return client


def test_a_vietnamese_customer_sees_login_history_at_plus_seven_with_the_zone_shown(bao):
    page = html(_signed_in(bao).get(reverse("accounts:security")))
    assert "5 Dec 2026, 20:18" in page
    assert "13:18" not in page.split("datetime=")[0]  # the shown time is local
    assert "Times in Asia/Ho_Chi_Minh (GMT+7)" in page
    assert "(UTC)" not in page


def test_the_same_history_in_vietnamese_uses_the_vietnamese_date_format(bao):
    bao.preferred_language = "vi"
    bao.save(update_fields=["preferred_language"])
    page = html(_signed_in(bao).get(reverse("accounts:security")))
    assert "20:18, 05/12/2026" in page


def test_a_chosen_zone_wins_over_the_country(bao):
    bao.time_zone = "Europe/Berlin"
    bao.save(update_fields=["time_zone"])
    page = html(_signed_in(bao).get(reverse("accounts:security")))
    assert "5 Dec 2026, 14:18" in page
    assert "Times in Europe/Berlin (GMT+1)" in page


def test_the_zone_is_suggested_from_the_country_else_the_organisations(settings):
    settings.TIME_ZONE = "UTC"
    assert UserFactory(country="VN").local_time_zone == "Asia/Ho_Chi_Minh"
    assert UserFactory(country="GB").local_time_zone == "Europe/London"
    assert UserFactory(country="US").local_time_zone == "UTC"  # several zones: the organisation's
    assert UserFactory(country="").local_time_zone == "UTC"


def test_the_details_page_shows_the_suggested_zone_and_saves_a_chosen_one(bao):
    client = _signed_in(bao)
    page = html(client.get(reverse("accounts:details")))
    assert "Asia/Ho_Chi_Minh (GMT+7)" in page
    assert "from your country; not chosen" in page
    response = client.post(reverse("accounts:detail_edit", args=["time-zone"]), {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    bao.refresh_from_db()
    assert bao.time_zone == "Asia/Tokyo"
    assert "Asia/Tokyo (GMT+9)" in html(client.get(reverse("accounts:details")))


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "UTC+7; DROP TABLE", "x" * 300])
def test_a_time_zone_we_do_not_know_is_rejected_with_a_clear_error(bao, bad):
    client = _signed_in(bao)
    response = client.post(reverse("accounts:detail_edit", args=["time-zone"]), {"time_zone": bad})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["time_zone"])
    assert "is not a time zone we know" in errors or "at most 64 characters" in errors
    bao.refresh_from_db()
    assert bao.time_zone == ""


def test_the_deletion_email_is_in_the_customers_zone_and_format(bao, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deletion = account_deletion_request(user=bao, actor=bao)
    body = mail.outbox[-1].body
    with translation.override("en"):
        local = formats.date_format(deletion.erase_after.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")), "DATETIME_FORMAT")
        utc = formats.date_format(deletion.erase_after.astimezone(UTC), "DATETIME_FORMAT")
    assert f"erased on {local} (Asia/Ho_Chi_Minh (GMT+7))" in body
    assert body.startswith("Hello Bảo,")
    assert utc not in body


def test_one_date_format_per_language():
    moment = datetime(2026, 12, 5, 20, 18)
    with translation.override("en"):
        assert formats.date_format(moment, "DATE_FORMAT") == "5 Dec 2026"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "5 Dec 2026, 20:18"
    with translation.override("vi"):
        assert formats.date_format(moment, "DATE_FORMAT") == "05/12/2026"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "20:18, 05/12/2026"


def test_a_vietnamese_name_is_greeted_by_the_given_name(bao):
    page = html(_signed_in(bao).get(reverse("accounts:overview")))
    assert "Hello, Bảo" in page
    assert "Hello, Nguyễn" not in page


def test_an_english_name_is_greeted_by_the_first_word_and_a_chosen_name_wins(customer):
    customer.full_name = "Casey Customer"
    customer.save(update_fields=["full_name"])
    client = _signed_in(customer)
    assert "Hello, Casey" in html(client.get(reverse("accounts:overview")))
    edit = reverse("accounts:detail_edit", args=["preferred-name"])
    assert client.get(edit).context["form"].initial["preferred_name"] == "Casey"
    client.post(edit, {"preferred_name": "Cee"})
    assert "Hello, Cee" in html(client.get(reverse("accounts:overview")))


def test_the_name_form_is_prefilled_with_the_given_name_for_a_vietnamese_name(bao):
    client = _signed_in(bao)
    form = client.get(reverse("accounts:detail_edit", args=["preferred-name"])).context["form"]
    assert form.initial["preferred_name"] == "Bảo"


def test_sign_up_keeps_the_name_to_call_and_the_browsers_zone_and_ignores_a_bad_zone(client):
    for email, zone, kept in [
        ("lan@example.test", "Asia/Ho_Chi_Minh", "Asia/Ho_Chi_Minh"),
        ("x@example.test", "Nowhere/At_All", ""),
        ("saigon@example.test", "Asia/Saigon", "Asia/Ho_Chi_Minh"),  # the old name Chromium reports
    ]:
        Client().post(
            reverse("account_signup"),
            {
                "email": email,
                "full_name": "Trần Thị Lan",
                "preferred_name": "Lan",
                "password1": "a-long Passphrase 2026!",
                "password2": "a-long Passphrase 2026!",
                "time_zone": zone,
            },
        )
        user = User.objects.get(email=email)
        assert (user.preferred_name, user.time_zone) == ("Lan", kept)


def test_the_registry_covers_the_new_fields():
    from apps.personal_data.registry import entry_for

    entry = entry_for(User)
    assert entry is not None
    fields = {field.name: field for field in entry.fields}
    assert fields["preferred_name"].fides_category == "user.name.first"
    assert fields["time_zone"].fides_category == "user.location.imprecise"


@pytest.mark.parametrize(
    ("full_name", "country", "language", "called"),
    [
        ("Casey Customer", "GB", "vi", "Casey"),  # reading Vietnamese does not reorder an English name
        ("Nguyễn Văn Bảo", "GB", "en", "Bảo"),  # a Vietnamese family name first, wherever they live
        ("Trần Thị Mai", "", "en", "Mai"),
        ("Lena", "VN", "vi", "Lena"),
    ],
)
def test_the_given_name_is_found_by_country_or_a_vietnamese_family_name_not_by_language(
    full_name, country, language, called
):
    person = UserFactory(full_name=full_name, country=country, preferred_language=language)
    assert person.get_short_name() == called
