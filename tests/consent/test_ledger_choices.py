"""Sign-up choices and Your Account → Privacy choices, as a customer uses them."""

import re

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.consent.models import ConsentEvent, ConsentState, Purpose
from apps.consent.services.ledger import restriction_place

pytestmark = pytest.mark.django_db


def switch_state(page: str, code: str) -> str:
    """The aria-checked of the purpose's switch (named by the purpose's heading)."""
    match = re.search(
        rf'<button[^>]*role="switch"[^>]*aria-checked="(true|false)"[^>]*aria-labelledby="choice-{re.escape(code)}-name"',
        page,
    )
    assert match, f"no switch for {code}"
    return match.group(1)


CHOICES = reverse("consent:choices")
HISTORY = reverse("consent:choice_history")


def test_sign_up_offers_marketing_unticked_and_records_what_was_shown(client):
    page = client.get(reverse("account_signup")).content.decode()
    for code in ("marketing-email", "marketing-post", "marketing-telephone", "newsletter", "surveys"):
        assert f'name="consent_{code}"' in page
        assert f'name="consent_{code}" checked' not in page
    assert Purpose.objects.get(code="newsletter").description_en in page
    assert 'name="consent_statistics"' not in page  # not a marketing choice
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.test",
            "password1": "a-new-long-password-1",
            "password2": "a-new-long-password-1",
            "consent_newsletter": "on",
        },
        HTTP_USER_AGENT="Browser/1.0",
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.test")
    events = {e.purpose.code: e for e in ConsentEvent.objects.filter(subject=user)}
    assert set(events) == {"marketing-email", "marketing-post", "marketing-telephone", "newsletter", "surveys"}
    assert events["newsletter"].granted
    assert not events["marketing-email"].granted
    assert {e.method for e in events.values()} == {"signup"}
    assert events["newsletter"].user_agent == "Browser/1.0"
    assert list(ConsentState.objects.filter(subject=user, granted=True).values_list("purpose__code", flat=True)) == [
        "newsletter"
    ]


def test_a_customer_switches_a_choice_on_and_off_in_one_click(client_as, customer):
    client = client_as("customer")
    page = client.get(CHOICES).content.decode()
    assert "Offers by email" in page
    assert "never switched on" in page
    response = client.post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("#choice-marketing-email")
    state = ConsentState.objects.get(subject=customer, purpose__code="marketing-email")
    assert state.granted
    assert state.method == "account_page"
    page = client.get(CHOICES).content.decode()
    assert switch_state(page, "marketing-email") == "true"
    assert "last changed" in page
    client.post(CHOICES, {"purpose": "marketing-email", "granted": "0"})
    state.refresh_from_db()
    assert not state.granted
    history = client.get(HISTORY).content.decode()
    assert history.count('<td data-label="Choice">Offers by email</td>') == 2
    assert "1.0" in history  # the policy version in force


def test_the_page_speaks_vietnamese_and_records_the_vietnamese_text(client_as, customer):
    client = client_as("customer")
    client.post(reverse("accounts:language_switch"), {"language": "vi", "next": CHOICES})
    assert "Ưu đãi qua email" in client.get(CHOICES).content.decode()
    client.post(CHOICES, {"purpose": "marketing-email", "granted": "1"})
    event = ConsentEvent.objects.get(subject=customer)
    assert event.language == "vi"
    assert event.text_hash == Purpose.objects.get(code="marketing-email").text_hash("vi")


@pytest.mark.parametrize(
    "data",
    [
        {"purpose": "no-such-purpose", "granted": "1"},
        {"purpose": "marketing-email", "granted": "yes"},
        {"purpose": "cookies-necessary", "granted": "0"},  # not a choice
        {},
    ],
)
def test_bad_choices_are_refused_and_change_nothing(client_as, customer, data):
    assert client_as("customer").post(CHOICES, data).status_code == 400
    assert not ConsentEvent.objects.exists()


def test_a_restricted_account_is_told_so(client_as, customer, officer):
    restriction_place(subject=customer, reason="Accuracy contested", actor=officer)
    assert "Processing of your data is restricted" in client_as("customer").get(CHOICES).content.decode()


def test_the_pages_need_sign_in(client):
    for url in (CHOICES, HISTORY):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert client.post(CHOICES, {"purpose": "newsletter", "granted": "1"}).status_code == 302
    assert not ConsentEvent.objects.exists()


def test_every_choice_is_a_switch_with_its_state_and_name(client_as, customer):
    page = client_as("customer").get(CHOICES).content.decode()
    for code in ("marketing-email", "marketing-post", "marketing-telephone", "newsletter", "surveys"):
        assert switch_state(page, code) == "false"
        assert f'<h3 id="choice-{code}-name">' in page
    # On and off are the same control: no primary button for one answer and an outline for the other.
    assert 'class="button' not in page.split('<ul class="choice-list">', 1)[1].split("</ul>", 1)[0]
    assert '<script src="/static/js/switches.js" defer></script>' in page
    assert "<script>" not in page  # the policy allows no inline script


def test_without_javascript_the_confirmation_is_shown_beside_the_switch_once(client_as, customer):
    client = client_as("customer")
    response = client.post(CHOICES, {"purpose": "newsletter", "granted": "1"}, follow=True)
    page = response.content.decode()
    assert switch_state(page, "newsletter") == "true"
    assert '<p class="switch-saved" id="choice-newsletter-saved" role="status">Newsletter: turned on.</p>' in page
    assert '<p class="switch-saved" id="choice-surveys-saved" role="status"></p>' in page
    assert "Newsletter: turned on." not in client.get(CHOICES).content.decode()  # said once


def test_the_switch_script_saves_in_place_with_the_same_record(client_as, customer):
    client = client_as("customer")
    response = client.post(CHOICES, {"purpose": "newsletter", "granted": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["granted"] is True
    assert response.json()["message"] == "Newsletter: turned on."
    changed = response.json()["changed"]
    assert re.fullmatch(r"last changed \d{1,2} \w{3} \d{4}, \d\d:\d\d \(Your Account page\)", changed)
    event = ConsentEvent.objects.get(subject=customer)
    assert (event.purpose.code, event.granted, event.method, event.actor_id) == (
        "newsletter",
        True,
        "account_page",
        customer.pk,
    )
    response = client.post(CHOICES, {"purpose": "newsletter", "granted": "0"}, HTTP_ACCEPT="application/json")
    assert (response.json()["granted"], response.json()["message"]) == (False, "Newsletter: turned off.")
    assert not ConsentState.objects.get(subject=customer, purpose__code="newsletter").granted
    # Nothing waits in the session for the next page: the script already showed it.
    assert "turned off." not in client.get(CHOICES).content.decode()


def test_the_switch_script_gets_a_clear_refusal_for_a_bad_choice(client_as, customer):
    response = client_as("customer").post(
        CHOICES, {"purpose": "cookies-necessary", "granted": "0"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"message": "That choice does not exist."}
    assert not ConsentEvent.objects.exists()


def test_the_switch_script_needs_sign_in(client):
    response = client.post(CHOICES, {"purpose": "newsletter", "granted": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 302
    assert not ConsentEvent.objects.exists()
