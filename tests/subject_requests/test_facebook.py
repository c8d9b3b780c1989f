"""Facebook's data-deletion callback: the signed request is verified, an erasure request opened, and
Facebook gets the status URL and confirmation code; anything else is a 400 that creates nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.test import Client, override_settings

from apps.subject_requests.domain import SignedRequestError, parse_signed_request, sign
from apps.subject_requests.models import SubjectRequest

SECRET = "test-facebook-app-secret"
URL = "/facebook/data-deletion/"
# Signed at a fixed instant, and every test runs a moment after it (Facebook calls at once),
# so the module neither depends on when it was imported nor on the hour the suite runs.
NOW = int(datetime(2027, 3, 10, 9, 0, tzinfo=UTC).timestamp())
PAYLOAD = {"algorithm": "HMAC-SHA256", "expires": NOW + 3600, "issued_at": NOW, "user_id": "1234567890"}


@pytest.fixture(autouse=True)
def _called_just_after_signing():
    with time_machine.travel(NOW + 1, tick=True):
        yield


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_with(payload_text: str, secret: str = SECRET) -> str:
    encoded = b64(payload_text.encode())
    return b64(hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()) + "." + encoded


# --- Parsing (no database) ---------------------------------------------------------------------


def test_it_reads_a_signed_request():
    parsed = parse_signed_request(sign(PAYLOAD, SECRET), SECRET)
    assert parsed.user_id == "1234567890"
    assert parsed.payload["issued_at"] == NOW


def test_a_numeric_user_id_is_read_as_text():
    assert parse_signed_request(sign({**PAYLOAD, "user_id": 42}, SECRET), SECRET).user_id == "42"


def test_the_algorithm_name_is_case_insensitive():
    assert parse_signed_request(sign({**PAYLOAD, "algorithm": "hmac-sha256"}, SECRET), SECRET).user_id


@pytest.mark.parametrize(
    "signed_request",
    [
        pytest.param(sign(PAYLOAD, "another-secret"), id="other secret"),
        pytest.param(sign({**PAYLOAD, "algorithm": "HMAC-SHA1"}, SECRET), id="other algorithm"),
        pytest.param(sign({k: v for k, v in PAYLOAD.items() if k != "algorithm"}, SECRET), id="no algorithm"),
        pytest.param(sign({**PAYLOAD, "user_id": ""}, SECRET), id="empty user id"),
        pytest.param(sign({**PAYLOAD, "user_id": "12; DROP"}, SECRET), id="not digits"),
        pytest.param(sign({**PAYLOAD, "user_id": True}, SECRET), id="boolean user id"),
        pytest.param(sign({**PAYLOAD, "user_id": ["1"]}, SECRET), id="list user id"),
        pytest.param(sign({k: v for k, v in PAYLOAD.items() if k != "user_id"}, SECRET), id="no user id"),
        pytest.param(signed_with("not json"), id="not json"),
        pytest.param(signed_with("[1, 2]"), id="not an object"),
        pytest.param(signed_with('"text"'), id="a string"),
        pytest.param(sign(PAYLOAD, SECRET).split(".")[1], id="no signature"),
        pytest.param(sign(PAYLOAD, SECRET) + ".extra", id="three parts"),
        pytest.param("." + sign(PAYLOAD, SECRET).split(".")[1], id="empty signature"),
        pytest.param(sign(PAYLOAD, SECRET).split(".")[0] + ".", id="empty payload"),
        pytest.param("!!!." + sign(PAYLOAD, SECRET).split(".")[1], id="not base64"),
        pytest.param(sign(PAYLOAD, SECRET).replace(".", ".A", 1), id="payload tampered"),
        pytest.param("", id="empty"),
        pytest.param("a" * 5000 + "." + "b", id="oversized"),
    ],
)
def test_anything_but_a_valid_signed_request_is_refused(signed_request):
    with pytest.raises(SignedRequestError):
        parse_signed_request(signed_request, SECRET)


def test_the_payload_is_signed_as_encoded_not_as_decoded():
    # Facebook signs the base64url text of the payload; a signature over the JSON itself is wrong.
    text = json.dumps(PAYLOAD)
    wrong = b64(hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).digest()) + "." + b64(text.encode())
    with pytest.raises(SignedRequestError):
        parse_signed_request(wrong, SECRET)
    assert parse_signed_request(signed_with(text), SECRET).user_id == "1234567890"


def test_without_a_secret_nothing_is_accepted():
    with pytest.raises(SignedRequestError):
        parse_signed_request(sign(PAYLOAD, ""), "")


# --- issued_at and padding (issue 13, finding 9) ------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({k: v for k, v in PAYLOAD.items() if k != "issued_at"}, id="no issued_at"),
        pytest.param({**PAYLOAD, "issued_at": None}, id="null issued_at"),
        pytest.param({**PAYLOAD, "issued_at": str(NOW)}, id="text issued_at"),
        pytest.param({**PAYLOAD, "issued_at": NOW - 24 * 3600 - 60}, id="older than a day"),
        pytest.param({**PAYLOAD, "issued_at": NOW + 10 * 60}, id="ten minutes ahead"),
    ],
)
def test_a_signed_request_without_a_recent_issued_at_is_refused(payload):
    with pytest.raises(SignedRequestError):
        parse_signed_request(sign(payload, SECRET), SECRET)


def test_a_small_clock_skew_is_tolerated():
    assert parse_signed_request(sign({**PAYLOAD, "issued_at": NOW + 120}, SECRET), SECRET).user_id == "1234567890"


def padded(part: str) -> str:
    return part + "=" * (-len(part) % 4)


@pytest.mark.parametrize("which", ["signature", "payload", "both"])
def test_it_accepts_base64url_with_padding(which):
    # The signature is over the payload's text as sent, padding included (as Facebook's sample does).
    # A user id that gives the payload a length needing padding.
    user_id = next(uid for uid in ("1", "12", "123") if len(b64(json.dumps({**PAYLOAD, "user_id": uid}).encode())) % 4)
    encoded = b64(json.dumps({**PAYLOAD, "user_id": user_id}).encode())
    if which in ("payload", "both"):
        encoded = padded(encoded)
    signature = b64(hmac.new(SECRET.encode(), encoded.encode(), hashlib.sha256).digest())
    assert signature != padded(signature)
    if which in ("signature", "both"):
        signature = padded(signature)
    assert parse_signed_request(f"{signature}.{encoded}", SECRET).user_id == user_id


@pytest.mark.parametrize(
    "tamper",
    [lambda s, p: (s + "===", p), lambda s, p: (s, "=" + p), lambda s, p: (s[:10] + "=" + s[10:], p)],
    ids=["three pads", "leading pad", "pad inside"],
)
def test_it_refuses_padding_anywhere_but_the_end(tamper):
    signature, payload = sign(PAYLOAD, SECRET).split(".")
    signature, payload = tamper(signature, payload)
    with pytest.raises(SignedRequestError):
        parse_signed_request(f"{signature}.{payload}", SECRET)


@pytest.mark.django_db
@override_settings(FACEBOOK_APP_SECRET=SECRET)
def test_the_callback_answers_400_to_a_request_without_issued_at():
    response = call(sign({k: v for k, v in PAYLOAD.items() if k != "issued_at"}, SECRET))
    assert response.status_code == 400
    assert not SubjectRequest.objects.exists()


# --- The callback ------------------------------------------------------------------------------

uses_db = pytest.mark.django_db


def call(signed_request: str | None, client: Client | None = None):
    data = {} if signed_request is None else {"signed_request": signed_request}
    return (client or Client(enforce_csrf_checks=True)).post(URL, data)


@uses_db
@override_settings(FACEBOOK_APP_SECRET=SECRET, SITE_URL="https://portal.example")
def test_it_opens_an_erasure_request_for_the_linked_account(customer):
    SocialAccount.objects.create(user=customer, provider="facebook", uid="1234567890")
    response = call(sign(PAYLOAD, SECRET))  # no CSRF token: Facebook has none
    assert response.status_code == 200
    request = SubjectRequest.objects.get()
    assert (request.request_type, request.channel, request.verification_method) == ("erasure", "facebook", "facebook")
    assert request.status == SubjectRequest.Status.OPEN
    assert request.subject == customer
    assert request.scope == {"facebook_user_id": "1234567890"}
    assert response.json() == {
        "url": f"https://portal.example/requests/{request.reference}/status/",
        "confirmation_code": request.short_reference,
    }
    assert Client().get(f"/requests/{request.reference}/status/").status_code == 200


@uses_db
@override_settings(FACEBOOK_APP_SECRET=SECRET)
def test_without_an_account_the_request_is_still_recorded(customer):
    SocialAccount.objects.create(user=customer, provider="google", uid="1234567890")  # same id, other provider
    response = call(sign(PAYLOAD, SECRET))
    assert response.status_code == 200
    request = SubjectRequest.objects.get()
    assert request.subject is None
    assert request.requester_email == ""
    assert request.scope == {"facebook_user_id": "1234567890"}
    assert response.json()["confirmation_code"] == request.short_reference


@uses_db
@override_settings(FACEBOOK_APP_SECRET=SECRET)
@pytest.mark.parametrize("linked", [True, False])
def test_facebook_asking_again_gets_the_same_request(customer, linked):
    if linked:
        SocialAccount.objects.create(user=customer, provider="facebook", uid="1234567890")
    first = call(sign(PAYLOAD, SECRET)).json()
    again = call(sign({**PAYLOAD, "issued_at": NOW + 60}, SECRET)).json()
    assert first == again
    assert SubjectRequest.objects.count() == 1


@uses_db
@override_settings(FACEBOOK_APP_SECRET=SECRET)
@pytest.mark.parametrize(
    "signed_request",
    [sign(PAYLOAD, "forged"), sign({**PAYLOAD, "algorithm": "none"}, SECRET), "garbage", "", None],
)
def test_a_bad_callback_is_a_400_and_creates_nothing(customer, signed_request):
    SocialAccount.objects.create(user=customer, provider="facebook", uid="1234567890")
    response = call(signed_request)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid signed_request"}
    assert not SubjectRequest.objects.exists()


@uses_db
@override_settings(FACEBOOK_APP_SECRET="")
def test_without_a_configured_secret_every_callback_is_refused(customer):
    SocialAccount.objects.create(user=customer, provider="facebook", uid="1234567890")
    assert call(sign(PAYLOAD, "")).status_code == 400
    assert not SubjectRequest.objects.exists()


@uses_db
@override_settings(FACEBOOK_APP_SECRET=SECRET)
def test_the_callback_is_post_only():
    assert Client().get(URL, {"signed_request": sign(PAYLOAD, SECRET)}).status_code == 405
    assert not SubjectRequest.objects.exists()


def test_it_refuses_an_old_signed_request_replayed_and_non_ascii_ids():

    from apps.subject_requests.domain import SignedRequestError, parse_signed_request, sign

    secret = "replay-secret"
    fresh = {"algorithm": "HMAC-SHA256", "user_id": "1234", "issued_at": int(time.time())}
    assert parse_signed_request(sign(fresh, secret), secret).user_id == "1234"
    with pytest.raises(SignedRequestError):
        parse_signed_request(sign({**fresh, "issued_at": int(time.time()) - 2 * 86400}, secret), secret)
    with pytest.raises(SignedRequestError):
        parse_signed_request(sign({**fresh, "user_id": "١٢٣"}, secret), secret)
