"""Your Account → How long we keep your data: the enabled retention rules, in the customer's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.retention.models import RetentionRule

pytestmark = pytest.mark.django_db

PERIODS_URL = "/account/retention/"
DELETE_URL = "/account/delete/"


# --- How long we keep your data --------------------------------------------------------------


def test_it_lists_each_enabled_rule_in_the_account_layout(client_as, django_assert_max_num_queries):
    RetentionRule.objects.filter(code="social-tokens").update(enabled=False)
    client = client_as("customer")
    client.get(PERIODS_URL)
    with django_assert_max_num_queries(8):
        page = client.get(PERIODS_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{PERIODS_URL}" aria-current="page">How long we keep your data</a>' in html
    assert f'href="{DELETE_URL}"' in html  # the Delete account item in the same navigation
    for rule in RetentionRule.objects.filter(enabled=True):
        assert rule.title_en in html
        assert rule.explanation_en.replace("'", "&#x27;") in html
    assert "Access keys from Google or Facebook sign-in" not in html  # disabled


def test_it_lists_the_rules_in_the_customers_language(client_as, customer):
    customer.preferred_language = "vi"
    customer.save()
    html = client_as("customer").get(PERIODS_URL).content.decode()
    assert '<html lang="vi">' in html
    assert "Lịch sử đăng nhập của bạn" in html
    assert "Your sign-in history" not in html


@pytest.mark.parametrize("url", [PERIODS_URL, DELETE_URL])
def test_it_sends_anonymous_visitors_to_sign_in(client_as, url):
    response = client_as("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
