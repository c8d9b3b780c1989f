"""Who may tell whom: a submission to an authority is recorded once, never on a closed breach,
and publishing the public notice takes the right to send the breach's notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.breaches.models import AuthoritySubmission, Breach
from apps.breaches.services.notices import authority_submission_record
from apps.breaches.services.register import breach_close
from tests.breaches.helpers import open_breach
from tests.factories import UserFactory
from tests.helpers import sign_in
from tests.helpers.auth import add_authenticator

pytestmark = pytest.mark.django_db


def _record(clock, officer, phase="initial"):
    return authority_submission_record(
        clock=clock, phase=phase, submitted_at=timezone.now(), method="email", actor=officer
    )


def test_the_initial_submission_is_recorded_once(officer):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5), jurisdictions=["uk"])
    clock = breach.clocks.get()
    _record(clock, officer)
    with pytest.raises(ValidationError, match="already recorded"):
        _record(clock, officer)
    assert AuthoritySubmission.objects.filter(clock=clock).count() == 1


def test_nothing_is_recorded_on_a_closed_breach(officer, client_as):
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5), jurisdictions=["uk"])
    clock = breach.clocks.get()
    _record(clock, officer)
    Breach.objects.filter(pk=breach.pk).update(decision="not_required", decision_reasoning="Contained in an hour.")
    breach_close(breach=breach, actor=officer)
    with pytest.raises(ValidationError, match="closed breach"):
        _record(clock, officer, phase="follow_up")
    response = client_as("officer").post(
        reverse("admin:breaches_breach_submission", args=[breach.pk]),
        {
            "clock": clock.pk,
            "phase": "follow_up",
            "submitted_at": timezone.now().strftime("%Y-%m-%d %H:%M:%S"),
            "method": "email",
        },
    )
    assert response.status_code == 200
    assert "closed breach" in response.content.decode()
    assert AuthoritySubmission.objects.filter(clock=clock).count() == 1


def test_publishing_needs_the_right_to_send_notifications(officer):
    editor = UserFactory(email="editor@example.test", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["view_breach", "change_breach"]))
    add_authenticator(editor)
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5), jurisdictions=["uk"])
    client = sign_in(Client(), editor)
    url = reverse("admin:breaches_breach_publish", args=[breach.pk])
    assert client.get(reverse("admin:breaches_breach_change", args=[breach.pk])).status_code == 200
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    breach.refresh_from_db()
    assert breach.public_notice_at is None
