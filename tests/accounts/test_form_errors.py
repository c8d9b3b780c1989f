"""Form errors reach assistive technology: each field's error has the id its input names in
aria-describedby (Django 5.2 adds "<id>_error" when a field has errors), in every form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.helpers.auth import reauthenticate
from tests.helpers.content import html
from tests.helpers.markup import described_by, describedby_problems, element_text

pytestmark = pytest.mark.django_db


def test_a_detail_form_links_its_error_to_the_field(client_as):
    response = client_as("customer").post(reverse("accounts:detail_edit", args=["phone"]), {"phone": "not a number"})
    page = html(response)
    assert describedby_problems(page) == []
    assert "id_phone_error" in described_by(page)["phone"]
    assert element_text(page, "id_phone_error")  # the message itself, not an empty box


def test_the_public_request_form_links_every_error_to_its_field(client):
    response = client.post(reverse("subject_requests:public_new"), {"email": "not-an-email", "request_type": "nope"})
    page = html(response)
    assert describedby_problems(page) == []
    assert "id_email_error" in described_by(page)["email"]
    assert "valid email" in element_text(page, "id_email_error")
    # The type is a group of radio cards (the plain-language chooser): the fieldset names its error.
    assert any("id_request_type_error" in refs for refs in described_by(page).values())
    assert element_text(page, "id_request_type_error")


def test_a_choice_of_several_names_its_error_on_the_group(client_as):
    # A group of checkboxes: the fieldset carries the description (Django leaves the inputs bare).
    client = reauthenticate(client_as("customer"))  # filing a request asks for the password again
    response = client.post(reverse("subject_requests:new_type", args=["objection"]), {"details": ""})
    page = html(response)
    assert describedby_problems(page) == []
    assert "Choose at least one use of your data." in element_text(page, "id_purposes_error")
    assert any("id_purposes_error" in refs for refs in described_by(page).values())


def test_a_required_text_names_its_error_and_its_hint(client_as):
    client = reauthenticate(client_as("customer"))
    response = client.post(reverse("subject_requests:new_type", args=["complaint"]), {"details": ""})
    page = html(response)
    assert describedby_problems(page) == []
    assert described_by(page)["details"] == ["id_details_helptext", "id_details_error"]


def test_the_sign_up_form_links_its_errors(client):
    response = client.post(reverse("account_signup"), {"email": "x", "password1": "a", "password2": "b"})
    page = html(response)
    assert describedby_problems(page) == []
    assert "id_email_error" in described_by(page)["email"]
    assert element_text(page, "id_email_error")
