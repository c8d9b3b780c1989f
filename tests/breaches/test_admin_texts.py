"""The officers' pages and reminders in the reader's language: lazy titles, plurals, and times in
the organisation's zone with the zone named."""

from __future__ import annotations

import pytest


def test_the_register_fieldset_titles_follow_the_readers_language():
    # gettext at import time would freeze them in whichever language was active then.
    from django.utils.functional import Promise

    from apps.breaches.admin.register import BreachAdmin

    titles = [title for title, _options in BreachAdmin.fieldsets if title is not None]
    assert len(titles) == 3
    assert all(isinstance(title, Promise) for title in titles)


@pytest.mark.django_db
def test_the_clocks_and_the_frozen_set_read_in_the_organisations_zone_and_name_it(client_as, officer, settings):
    from datetime import UTC, datetime, timedelta

    from django.urls import reverse
    from django.utils import timezone

    from apps.breaches.forms import AffectedForm
    from apps.breaches.models import AffectedSet
    from tests.breaches.helpers import open_breach

    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    aware = timezone.now().replace(minute=30, second=0, microsecond=0) - timedelta(hours=3)
    breach = open_breach(officer, aware_at=aware, jurisdictions=["uk"])
    AffectedSet.objects.create(
        breach=breach, query={}, total=0, frozen_at=datetime(2026, 3, 1, 20, 15, tzinfo=UTC), by_jurisdiction={}
    )
    client = client_as("officer")
    page = client.get(reverse("admin:breaches_breach_change", args=[breach.pk])).content.decode()
    due_in_hanoi = (aware + timedelta(hours=72)).astimezone(timezone.get_fixed_timezone(7 * 60))
    assert f"{due_in_hanoi:%Y-%m-%d %H:%M}" in page
    assert "Due (Asia/Ho_Chi_Minh)" in page
    assert (aware + timedelta(hours=72)).isoformat(timespec="minutes") not in page

    people = client.get(reverse("admin:breaches_breach_affected", args=[breach.pk])).content.decode()
    assert "2026-03-02 03:15 Asia/Ho_Chi_Minh" in people

    form = AffectedForm(data={"categories": ["financial"], "since": "2026-03-01 09:00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["since"] == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert "Asia/Ho_Chi_Minh" in str(form.fields["since"].help_text)


def test_the_hours_left_are_counted_in_the_readers_plural():
    from apps.breaches.admin.register import hours_text
    from apps.breaches.models import BreachClock

    clock = BreachClock(status=BreachClock.Status.RUNNING, due_at=object())  # only its status and due are read
    assert hours_text(clock, 1) == "1 hour left"
    assert hours_text(clock, 2) == "2 hours left"
    assert hours_text(clock, -1) == "overdue by 1 hour"
    assert hours_text(clock, -5) == "overdue by 5 hours"


@pytest.mark.django_db
def test_the_submission_form_names_the_zone_its_time_is_read_in(officer, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.breaches.forms import SubmissionForm
    from tests.breaches.helpers import open_breach

    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=1), jurisdictions=["uk"])
    assert "Asia/Ho_Chi_Minh" in str(SubmissionForm(breach=breach).fields["submitted_at"].help_text)
