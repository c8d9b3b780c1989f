"""Bad input gets a clear error, never a 500 nor a breach that silently starts no clock: the
admin's JSON fields and an officer's CSV of accounts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.breaches.models import Breach
from apps.breaches.services.people import accounts_from_csv
from tests.breaches.test_register import _form
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("categories", "5", "Give a list of category codes"),
        ("categories", '"financial"', "Give a list of category codes"),
        ("categories", '[["financial"]]', "Give a list of category codes"),
        ("jurisdictions", "5", "Give a list of jurisdiction codes"),
        ("jurisdictions", '"uk"', "Give a list of jurisdiction codes"),
        ("jurisdictions", '["UK"]', "Unknown jurisdictions: UK. Known: "),
        ("jurisdictions", '["uk", "ue"]', "Unknown jurisdictions: ue."),
    ],
)
def test_the_intake_form_refuses_what_is_not_a_list_of_known_codes(client_as, officer, field, value, message):
    response = client_as("officer").post(reverse("admin:breaches_breach_add"), _form(officer, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Breach.objects.exists()


def test_a_known_jurisdiction_list_names_the_codes_to_use(officer):
    breach = Breach(jurisdictions=["uk "])
    with pytest.raises(ValidationError) as error:
        breach.clean()
    assert "uk, us-ca" in " ".join(error.value.message_dict["jurisdictions"])


def test_the_people_page_refuses_an_unreadable_csv_without_failing(client_as, officer):
    breach_page = client_as("officer").post(reverse("admin:breaches_breach_add"), _form(officer))
    assert breach_page.status_code == 302
    breach = Breach.objects.get()
    from django.core.files.uploadedfile import SimpleUploadedFile

    huge = b'"' + b"a" * (200 * 1024) + b'"\n'
    response = client_as("officer").post(
        reverse("admin:breaches_breach_affected", args=[breach.pk]),
        {"accounts": SimpleUploadedFile("people.csv", huge, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "not a CSV this page can read" in response.content.decode()


def test_the_csv_reader_names_odd_digits_and_ids_out_of_range():
    person = UserFactory()
    with pytest.raises(ValidationError) as error:
        accounts_from_csv(f"²\n{person.pk}\n{'9' * 30}\n0\n".encode())
    assert error.value.messages == [
        "Row 1: not an email address, account reference or id.",
        "Row 3: no account matches it.",
        "Row 4: no account matches it.",
    ]
    with pytest.raises(ValidationError, match="not a CSV"):
        accounts_from_csv(b'"' + b"x" * (129 * 1024) + b'"\n')
