"""Rights in plain language (#16): five intents leading to the request types, with what happens next
and how long it takes under the customer's law; the same choices as radio cards on the public form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.subject_requests.models import Jurisdiction

pytestmark = pytest.mark.django_db
NEW_URL = "/account/requests/new/"
FORM_URL = "/privacy-request/"
INTENTS = ["Get a copy of my data", "Correct something", "Delete my data", "Stop a use of my data", "Complain"]


def test_the_chooser_offers_five_intents_each_leading_to_its_types(client_as, customer):
    customer.country = "GB"
    customer.save()
    html = client_as("customer").get(NEW_URL).content.decode()

    titles = re.findall(r'<li class="intent-card" id="intent-\w+">\s*<h2>([^<]+)</h2>', html)
    assert titles == INTENTS
    links = re.findall(r'href="/account/requests/new/([a-z_]+)/"', html)
    assert links == [
        "access",
        "portability",
        "rectification",
        "erasure",
        "objection",
        "restriction",
        "stop_processing",
        "complaint",
    ]
    assert "withdrawal" not in links  # consent is switched off on Privacy choices, not by a request
    assert html.count("We answer within 1 month (UK GDPR).") == 5


def test_stop_a_use_sends_consent_to_privacy_choices_and_delete_explains_delete_account(client_as, customer):
    html = client_as("customer").get(NEW_URL).content.decode()

    stop = html[html.index('id="intent-stop"') : html.index('id="intent-complain"')]
    assert f'href="{reverse("consent:choices")}"' in stop
    assert "no request needed" in stop
    delete = html[html.index('id="intent-delete"') : html.index('id="intent-stop"')]
    assert f'href="{reverse("retention:delete")}"' in delete
    assert "Delete my data is the formal request" in delete


def test_the_time_follows_the_customers_law(client_as, customer):
    customer.country = "VN"
    customer.save()
    vietnam = Jurisdiction.objects.get(code="vn")
    period = vietnam.terms("erasure").respond

    html = client_as("customer").get(NEW_URL).content.decode()

    delete = html[html.index('id="intent-delete"') : html.index('id="intent-stop"')]
    assert f"We answer within {period} ({vietnam.name})." in delete.replace("&#x27;", "'")


def test_no_law_set_up_makes_no_promise_rather_than_an_error(client_as, customer):
    for jurisdiction in Jurisdiction.objects.all():
        jurisdiction.rules.all().delete()

    response = client_as("customer").get(NEW_URL)

    assert response.status_code == 200
    assert "We answer within" not in response.content.decode()
    assert "Delete my data" in response.content.decode()


def test_the_public_form_shows_the_same_choices_as_radio_cards(client):
    html = client.get(FORM_URL).content.decode()

    assert '<select name="request_type"' not in html
    radios = re.findall(r'type="radio" name="request_type" value="([a-z_]+)"', html)
    assert radios == [
        "access",
        "portability",
        "rectification",
        "erasure",
        "objection",
        "restriction",
        "stop_processing",
        "complaint",
    ]
    for title in INTENTS:
        assert f">{title}</h3>" in html
    assert "We answer within 1 month (UK GDPR)." in html
    assert f'href="{reverse("consent:choices")}"' in html


def test_the_public_form_without_a_choice_says_so_at_the_chooser(client):
    response = client.post(FORM_URL, {"email": "sam@example.test", "name": "Sam Someone"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose what you would like us to do." in html
    assert 'aria-describedby="id_request_type_error"' in html
    assert 'id="id_request_type_error"' in html


def test_the_public_form_times_the_chosen_law(client):
    vietnam = Jurisdiction.objects.get(code="vn")
    response = client.post(FORM_URL, {"email": "sam@example.test", "name": "Sam", "jurisdiction": "vn"})

    assert response.status_code == 400
    assert f"({vietnam.name})." in response.content.decode()


def _delete_card(html: str) -> str:
    return html[html.index('id="intent-delete"') : html.index('id="intent-stop"')].replace("&#x27;", "'")


def test_the_public_form_lists_each_laws_timing_until_one_is_picked(client):
    laws = list(Jurisdiction.objects.with_rules())
    assert len(laws) >= 2

    card = _delete_card(client.get(FORM_URL).content.decode())

    for law in laws:
        line = f'<li data-jurisdiction="{law.code}">We answer within {law.terms("erasure").respond} ({law.name}).</li>'
        assert line in card, line


def test_the_public_form_shows_the_picked_laws_timing_only(client):
    response = client.post(FORM_URL, {"email": "sam@example.test", "name": "Sam", "jurisdiction": "vn"})

    card = _delete_card(response.content.decode())
    for law in Jurisdiction.objects.with_rules():
        shown = f'<li data-jurisdiction="{law.code}">We answer'
        hidden = f'<li data-jurisdiction="{law.code}" hidden>We answer'
        assert (shown if law.code == "vn" else hidden) in card
        assert (hidden if law.code == "vn" else shown) not in card
