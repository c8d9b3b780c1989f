"""/unsubscribe/<token>/: the email's link (a confirmation page) and its RFC 8058 one-click address."""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.consent.domain.marketing import unsubscribe_token
from apps.consent.models import ConsentEvent, ConsentState, Purpose, Suppression
from apps.consent.selectors.ledger import may_contact
from apps.consent.selectors.marketing import campaign_audience
from apps.consent.services.ledger import Context, consent_record
from apps.core.actors import SystemActor
from apps.personal_data.domain import address_hash
from apps.personal_data.erasure.run import erasure_run, erasure_start
from tests.factories import UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"
PAGE = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")


def purpose(code: str) -> Purpose:
    return Purpose.objects.get(code=code)


def opt_in(user, *codes: str, context: Context = PAGE) -> None:
    for code in codes:
        consent_record(purpose=purpose(code), granted=True, context=context, actor=user, subject=user)


def url_for(user, code: str = "marketing-email") -> str:
    return reverse("consent:unsubscribe", args=[unsubscribe_token(user, purpose(code))])


def one_click(url: str):
    # As a mail provider sends it: no cookies, no CSRF token, exactly this body.
    return Client(enforce_csrf_checks=True).post(url, data=ONE_CLICK, content_type=FORM)


def state_of(user, code: str = "marketing-email") -> bool | None:
    state = ConsentState.objects.filter(subject=user, purpose__code=code).first()
    return None if state is None else state.granted


def suppressed(email: str, channel: str = "email") -> bool:
    return Suppression.objects.filter(address_hash=address_hash(email), channel=channel).exists()


def snapshot() -> tuple:
    return (
        ConsentEvent.objects.count(),
        list(ConsentState.objects.order_by("pk").values_list("pk", "granted")),
        Suppression.objects.count(),
    )


def csrf_from(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


# --- The page: asks, changes nothing --------------------------------------------------------------


def test_it_shows_a_confirmation_page_on_get_and_changes_nothing(customer):
    opt_in(customer, "marketing-email", "newsletter")
    before = snapshot()
    response = Client().get(url_for(customer))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stop emails about <strong>Offers by email</strong>?" in page
    assert 'name="scope" value="purpose"' in page
    assert "Unsubscribe from Offers by email" in page
    assert 'name="scope" value="all"' in page
    assert "Unsubscribe from all marketing" in page
    assert "<li>Newsletter</li>" in page  # what "all" also switches off
    assert 'content="noindex, nofollow"' in page
    assert "no-store" in response["Cache-Control"]
    assert customer.email not in page  # the page names no one
    assert snapshot() == before
    assert state_of(customer) is True
    assert not suppressed(customer.email)


def test_the_page_speaks_the_language_of_the_email(customer):
    customer.preferred_language = "vi"
    customer.save(update_fields=["preferred_language"])
    page = Client().get(url_for(customer)).content.decode()
    assert 'lang="vi"' in page
    assert "Ưu đãi qua email" in page
    # A visitor who chose a language on the site keeps it.
    client = Client()
    client.cookies["django_language"] = "en"
    assert "Offers by email" in client.get(url_for(customer)).content.decode()


# --- One click (RFC 8058) -----------------------------------------------------------------------


def test_a_one_click_post_without_cookies_unsubscribes_and_suppresses_the_address(customer):
    opt_in(customer, "marketing-email", "newsletter")
    response = one_click(url_for(customer))
    assert response.status_code == 200
    assert not response.cookies.get("sessionid")
    assert state_of(customer) is False
    event = ConsentEvent.objects.filter(subject=customer).latest("recorded_at", "id")
    assert (event.purpose.code, event.granted, event.method) == ("marketing-email", False, "one_click")
    assert event.actor == customer
    assert event.actor_label == ""
    suppression = Suppression.objects.get(
        address_hash=address_hash(customer.email), channel="email", purpose_code="marketing-email"
    )
    assert suppression.reason == Suppression.Reason.UNSUBSCRIBE
    assert customer not in campaign_audience(purpose("marketing-email"))
    assert not may_contact(customer, channel="email", purpose="marketing-email")
    # Only what the email was about is switched off and suppressed; the newsletter carries on.
    assert state_of(customer, "newsletter") is True
    assert customer in campaign_audience(purpose("newsletter"))


def test_a_multipart_one_click_post_works_too(customer):
    opt_in(customer, "newsletter")
    response = Client(enforce_csrf_checks=True).post(url_for(customer, "newsletter"), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert state_of(customer, "newsletter") is False
    assert suppressed(customer.email)


def test_unsubscribing_twice_is_harmless(customer):
    opt_in(customer, "marketing-email")
    url = url_for(customer)
    assert one_click(url).status_code == 200
    after_first = snapshot()
    assert one_click(url).status_code == 200
    client = Client()
    page = client.get(url).content.decode()
    assert "This is already switched off" in page
    assert client.post(url, {"scope": "purpose"}).status_code == 200
    assert snapshot() == after_first
    assert ConsentEvent.objects.filter(subject=customer, granted=False).count() == 1


# --- The page's form (CSRF as usual) ------------------------------------------------------------


def test_the_confirmation_form_unsubscribes_with_a_csrf_token(customer):
    opt_in(customer, "marketing-email", "newsletter")
    client = Client(enforce_csrf_checks=True)
    url = url_for(customer)
    token = csrf_from(client.get(url).content.decode())
    response = client.post(url, {"csrfmiddlewaretoken": token, "scope": "purpose"}, HTTP_USER_AGENT="Browser/2")
    assert response.status_code == 200
    assert "Offers by email is switched off for you." in response.content.decode()
    event = ConsentEvent.objects.filter(subject=customer).latest("recorded_at", "id")
    assert (event.purpose.code, event.method, event.actor, event.user_agent) == (
        "marketing-email",
        "unsubscribe_link",
        customer,
        "Browser/2",
    )
    assert suppressed(customer.email)
    assert state_of(customer, "newsletter") is True


def test_unsubscribe_from_all_marketing_switches_every_marketing_choice_off(customer):
    opt_in(customer, "marketing-email", "newsletter", "marketing-post", "statistics")
    client = Client()
    response = client.post(url_for(customer, "newsletter"), {"scope": "all"})
    assert response.status_code == 200
    assert "All marketing is switched off for you." in response.content.decode()
    events = ConsentEvent.objects.filter(subject=customer, granted=False)
    assert {(e.purpose.code, e.method) for e in events} == {
        ("marketing-email", "unsubscribe_link"),
        ("newsletter", "unsubscribe_link"),
        ("marketing-post", "unsubscribe_link"),
    }
    assert state_of(customer, "statistics") is True  # not marketing
    assert suppressed(customer.email, "email")
    assert suppressed(customer.email, "post")


def test_a_post_that_is_neither_one_click_nor_carries_a_csrf_token_is_refused(customer):
    opt_in(customer, "marketing-email")
    url = url_for(customer)
    before = snapshot()
    client = Client(enforce_csrf_checks=True)
    assert client.post(url, data="List-Unsubscribe=Yes", content_type=FORM).status_code == 403
    assert client.post(url, data=ONE_CLICK + "&scope=all", content_type=FORM).status_code == 403
    assert client.post(url, data="", content_type=FORM).status_code == 403
    assert client.post(url, {"scope": "all"}).status_code == 403
    assert snapshot() == before


def test_an_unknown_scope_is_a_clear_400(customer):
    opt_in(customer, "marketing-email")
    before = snapshot()
    response = Client().post(url_for(customer), {"scope": "everything-and-more"})
    assert response.status_code == 400
    assert "Choose what to unsubscribe from." in response.content.decode()
    assert snapshot() == before


# --- The token ----------------------------------------------------------------------------------


def tampered_tokens(user) -> list[str]:
    genuine = unsubscribe_token(user, purpose("marketing-email"))
    payload, signature = genuine.rsplit(":", 1)
    forged_payload = base64.urlsafe_b64encode(f'["{user.reference.hex}","newsletter"]'.encode()).decode().rstrip("=")
    return [
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),  # altered signature
        f"{forged_payload}:{signature}",  # another purpose under the old signature
        signing.Signer(salt="some-other-purpose").sign_object([user.reference.hex, "marketing-email"]),
        signing.Signer(salt="apps.consent.marketing.unsubscribe", key="not-our-key").sign_object(
            [user.reference.hex, "marketing-email"]
        ),
        signing.Signer(salt="apps.consent.marketing.unsubscribe").sign_object({"not": "a pair"}),
        signing.Signer(salt="apps.consent.marketing.unsubscribe").sign_object(["not-a-uuid", "marketing-email"]),
        "nonsense",
        payload,
    ]


def test_a_forged_or_tampered_token_is_a_clear_400_and_changes_nothing(customer):
    opt_in(customer, "marketing-email", "newsletter")
    before = snapshot()
    for token in tampered_tokens(customer):
        url = reverse("consent:unsubscribe", args=[token])
        page = Client().get(url)
        assert page.status_code == 400, token
        assert "This unsubscribe link is not valid" in page.content.decode()
        assert one_click(url).status_code == 400, token
        assert Client().post(url, {"scope": "all"}).status_code == 400, token
    assert snapshot() == before


def test_the_token_carries_no_personal_data_and_outlives_a_password_change(customer):
    opt_in(customer, "marketing-email")
    token = unsubscribe_token(customer, purpose("marketing-email"))
    payload = token.split(":", 1)[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert decoded == f'["{customer.reference.hex}","marketing-email"]'
    assert customer.email not in token
    assert "customer" not in decoded
    customer.set_password("a-brand-new-password-7")
    customer.save()
    assert unsubscribe_token(customer, purpose("marketing-email")) == token
    assert Client().get(reverse("consent:unsubscribe", args=[token])).status_code == 200
    assert one_click(reverse("consent:unsubscribe", args=[token])).status_code == 200
    assert state_of(customer) is False


def test_the_token_does_not_expire(customer):
    opt_in(customer, "marketing-email")
    url = url_for(customer)
    with time_machine.travel(timezone.now() + timedelta(days=365 * 10)):
        assert one_click(url).status_code == 200
    assert state_of(customer) is False


def test_a_purpose_switched_off_since_the_email_still_unsubscribes(customer):
    opt_in(customer, "surveys")
    url = url_for(customer, "surveys")
    Purpose.objects.filter(code="surveys").update(is_active=False)
    assert Client().get(url).status_code == 200
    assert one_click(url).status_code == 200
    assert suppressed(customer.email)


def test_a_closed_account_has_nothing_to_switch_off(customer):
    opt_in(customer, "marketing-email")
    url = url_for(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    before = snapshot()
    page = Client().get(url)
    assert page.status_code == 200
    assert "is closed" in page.content.decode()
    assert one_click(url).status_code == 200
    assert snapshot() == before


# --- P-12: the suppression outlives the account -------------------------------------------------


def test_the_suppression_survives_erasure_and_keeps_a_new_account_out_until_it_opts_in_itself(customer):
    email = customer.email
    opt_in(customer, "marketing-email")
    assert one_click(url_for(customer)).status_code == 200
    run = erasure_start(subject=customer, actor=SystemActor("tests"), reason="erasure request")
    run = erasure_run(erasure_id=run.pk)
    assert run.status == "completed"
    assert not User.objects.filter(email=email).exists()
    assert suppressed(email)

    again = UserFactory(email=email)
    # A consent that did not come from the person's own fresh choice leaves the address suppressed.
    carried = Context(method=ConsentEvent.Method.CARRIED_AT_SIGN_IN, language="en")
    opt_in(again, "marketing-email", context=carried)
    assert again not in campaign_audience(purpose("marketing-email"))

    response = sign_in(Client(), again).post(reverse("consent:choices"), {"purpose": "marketing-email", "granted": "1"})
    assert response.status_code == 302
    assert not suppressed(email)
    assert list(campaign_audience(purpose("marketing-email"))) == [again]
