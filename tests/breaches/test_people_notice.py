"""The people's notice in the reader's words: no English register text in a Vietnamese notice
where a Vietnamese one is written, and no link to a public page that does not exist yet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.breaches.models import Breach
from apps.breaches.services.notices import breach_public_notice_publish, notice_message
from apps.consent.models import Mailing
from tests.breaches.helpers import open_breach
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(officer) -> Breach:
    breach = open_breach(officer, aware_at=timezone.now() - timedelta(hours=5))
    Breach.objects.filter(pk=breach.pk).update(
        notice_summary_en="Letters went to old addresses.",
        notice_summary_vi="Thư đã được gửi đến địa chỉ cũ.",
        notice_advice_en="Tell us if one reached you.",
        notice_advice_vi="Hãy báo cho chúng tôi nếu bạn nhận được.",
        consequences="Someone may learn your balance.",
        consequences_vi="Người khác có thể biết số dư của bạn.",
        measures_taken="We moved the letters to tracked post.",
        measures_taken_vi="",  # not written in Vietnamese: the English stands in
        measures_proposed="We will check addresses yearly.",
        measures_proposed_vi="Chúng tôi sẽ kiểm tra địa chỉ hằng năm.",
        mailing=Mailing.objects.create(kind="breach_notice", subject_line="x", body="x"),
    )
    breach.refresh_from_db()
    return breach


def test_the_email_links_to_the_public_page_only_once_it_is_published(breach, officer):
    person = UserFactory(preferred_language="en")
    url = reverse("breaches:notice", args=[breach.reference])
    assert url not in notice_message(breach.mailing, person).body
    breach_public_notice_publish(breach=breach, actor=officer)
    assert url in notice_message(breach.mailing, person).body


def test_a_vietnamese_reader_gets_the_vietnamese_consequences_and_measures(breach, client):
    body = notice_message(breach.mailing, UserFactory(preferred_language="vi")).body
    assert "Người khác có thể biết số dư" in body
    assert "Someone may learn your balance" not in body
    assert "kiểm tra địa chỉ hằng năm" in body
    assert "We moved the letters to tracked post." in body  # the fallback
    english = notice_message(breach.mailing, UserFactory(preferred_language="en")).body
    assert "Someone may learn your balance" in english
    assert "Người khác" not in english

    Breach.objects.filter(pk=breach.pk).update(public_notice_at=timezone.now())
    page = client.get(reverse("breaches:notice", args=[breach.reference]), HTTP_ACCEPT_LANGUAGE="vi")
    text = page.content.decode()
    assert "Người khác có thể biết số dư" in text
    assert "Someone may learn your balance" not in text
