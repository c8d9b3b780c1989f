"""Recipients (P-20, P-23): a transfer abroad needs a safeguard, and a lapsed agreement shows in the admin."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.clock import organisation_today
from tests.disclosures.factories import RecipientFactory

pytestmark = pytest.mark.django_db

# 17:30 UTC on 31 December 2026 is already 00:30 on 1 January 2027 in Ho Chi Minh City.
NEW_YEAR_IN_HCMC = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


def test_it_warns_about_a_lapsed_agreement(client_as):
    lapsed = RecipientFactory(name="Old Partner", agreement_ends=organisation_today() - timedelta(days=1))
    RecipientFactory(name="Fine Partner", agreement_ends=organisation_today() + timedelta(days=30))
    client = client_as("officer")
    page = client.get(reverse("admin:disclosures_recipient_changelist")).content.decode()
    assert page.count("Agreement lapsed") == 1
    lapsed_only = client.get(reverse("admin:disclosures_recipient_changelist") + "?lapsed=yes")
    assert [r.name for r in lapsed_only.context["cl"].result_list] == ["Old Partner"]
    response = client.get(reverse("admin:disclosures_recipient_change", args=[lapsed.pk]))
    assert any("ended on" in str(message) for message in response.context["messages"])
    history = client.get(reverse("admin:disclosures_recipient_history", args=[lapsed.pk]))
    assert history.status_code == 200


def test_it_refuses_a_recipient_abroad_without_a_transfer_safeguard():
    recipient = RecipientFactory.build(country="US", transfer_safeguard="not_needed")
    with pytest.raises(ValidationError) as error:
        recipient.full_clean()
    assert "transfer_safeguard" in error.value.message_dict


def test_an_agreement_lapses_when_the_organisations_day_it_ended_is_over(client_as, settings):
    ended = RecipientFactory(name="Old Partner", agreement_ends=date(2026, 12, 31))
    lapsed_only = reverse("admin:disclosures_recipient_changelist") + "?lapsed=yes"
    with time_machine.travel(NEW_YEAR_IN_HCMC, tick=False):
        client = client_as("officer")
        for zone, lapsed, listed in (("Asia/Ho_Chi_Minh", True, ["Old Partner"]), ("UTC", False, [])):
            settings.TIME_ZONE = zone
            assert ended.agreement_lapsed is lapsed
            assert [r.name for r in client.get(lapsed_only).context["cl"].result_list] == listed


def test_within_the_eea_a_controller_in_it_needs_no_transfer_safeguard(settings):
    settings.CONTROLLER_COUNTRY = "DE"
    RecipientFactory.build(country="FR", transfer_safeguard="not_needed").full_clean()
    with pytest.raises(ValidationError):
        RecipientFactory.build(country="GB", transfer_safeguard="not_needed").full_clean()
