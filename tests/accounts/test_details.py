"""Your details (P-01): showing and editing them, and who made each change."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.services import user_update_details
from apps.core.actors import SystemActor
from tests.helpers.content import html, upload

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(("language", "vietnam", "germany"), [("vi", "Việt Nam", "Đức"), ("en", "Vietnam", "Germany")])
def test_the_countries_are_named_in_the_customers_language(client_as, customer, language, vietnam, germany):
    """Named when the page is drawn, not when the form's module was imported (in English for all)."""
    customer.preferred_language = language
    customer.save()
    for url in (reverse("accounts:detail_edit", args=["country"]), "/account/requests/new/rectification/"):
        page = client_as("customer").get(url).content.decode()
        assert f'<option value="VN">{vietnam}</option>' in page, url
        assert f'<option value="DE">{germany}</option>' in page, url


def test_it_rejects_an_invalid_country_code(client_as, customer):
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["country"]), {"country": "XX"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["country"][0]
    customer.refresh_from_db()
    assert customer.country.code == "GB"


# --- History: who made each change -------------------------------------------------------------


def test_it_records_the_customer_as_the_author_of_a_details_change(client_as, customer):
    client_as("customer").post(reverse("accounts:detail_edit", args=["name"]), {"full_name": "Casey Changed"})
    record = customer.history.first()
    assert record.full_name == "Casey Changed"
    assert record.history_user == customer
    assert record.history_change_reason == "name changed by the customer"


def test_it_records_the_actor_of_a_details_change(customer, officer):
    user_update_details(user=customer, actor=officer, reason="corrected on request", phone="+442079460958")
    record = customer.history.first()
    assert record.history_user == officer
    assert record.history_change_reason == "corrected on request"
    assert record.phone == "+442079460958"


def test_it_records_a_system_actor_by_name(customer):
    user_update_details(user=customer, actor=SystemActor("import"), reason="imported", full_name="Casey Imported")
    record = customer.history.first()
    assert record.history_user is None
    assert record.history_change_reason == "imported [system:import]"


def test_it_refuses_fields_that_are_not_editable_details(customer):
    with pytest.raises(ValueError, match="email"):
        user_update_details(user=customer, actor=customer, email="evil@example.test")
    with pytest.raises(ValueError, match="is_staff"):
        user_update_details(user=customer, actor=customer, is_staff=True)
    customer.refresh_from_db()
    assert (customer.email, customer.is_staff) == ("customer@example.test", False)


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
