"""The field-level view rule in the history admins: the Auditor never sees the live customer
record there (issue 13, finding 1), officers still do."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.accounts.services import user_update_details
from apps.core.admin import HistoryRecordAdmin
from apps.personal_data.registry import entries

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0111"
ADDRESS = "12 Hidden Lane, Leeds"


@pytest.fixture
def live_customer(customer):
    """A customer whose newest history version is their live record, every detail filled in."""
    return user_update_details(
        user=customer, actor=customer, full_name="Casey Private", phone=PHONE, mailing_address=ADDRESS, country="VN"
    )


def _personal_values(user) -> list[str]:
    return [user.email, user.full_name, PHONE, ADDRESS, "Viet Nam", "Vietnam"]


def test_it_lists_user_history_to_an_auditor_without_personal_data(client_as, live_customer):
    response = client_as("auditor").get(reverse("admin:accounts_historicaluser_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "details changed" in page  # what was done, when and by whom stays auditable
    for value in _personal_values(live_customer):
        assert value not in page
    columns = response.context["cl"].list_display
    assert {"email", "full_name", "phone", "mailing_address", "country", "__str__"}.isdisjoint(columns)


def test_it_shows_the_newest_version_of_a_live_user_to_an_auditor_without_personal_data(client_as, live_customer):
    newest = live_customer.history.latest("history_date")
    response = client_as("auditor").get(reverse("admin:accounts_historicaluser_change", args=[newest.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    for value in _personal_values(live_customer):
        assert value not in page
    shown = {field for fieldset in response.context["adminform"].fieldsets for field in fieldset[1]["fields"]}
    assert "status" in shown
    assert {"email", "full_name", "phone", "mailing_address", "country", "date_joined"}.isdisjoint(shown)


def test_it_names_a_user_version_without_the_email_on_its_admin_history_page(client_as, live_customer):
    newest = live_customer.history.latest("history_date")
    response = client_as("auditor").get(reverse("admin:accounts_historicaluser_history", args=[newest.pk]))

    assert response.status_code == 200
    assert live_customer.email not in response.content.decode()


def test_it_finds_no_user_version_by_email_for_an_auditor(client_as, live_customer):
    client = client_as("auditor")
    url = reverse("admin:accounts_historicaluser_changelist")

    searched = client.get(url, {"q": live_customer.email})
    assert searched.status_code == 200
    assert list(searched.context["cl"].result_list) == []
    # Nor through the query string, a letter at a time.
    assert client.get(url, {"email": live_customer.email}).status_code == 400
    assert client.get(url, {"email__regex": "^c"}).status_code == 400
    assert client.get(url, {"full_name__icontains": "casey"}).status_code == 400


def test_it_still_shows_and_searches_user_history_for_an_officer(client_as, live_customer):
    client = client_as("officer")
    url = reverse("admin:accounts_historicaluser_changelist")

    response = client.get(url, {"q": live_customer.email})
    assert response.status_code == 200
    assert response.context["cl"].result_list
    assert live_customer.email in response.content.decode()
    # Not a declared filter: refused for everyone by the admin's lookup allow-list (search it instead).
    assert client.get(url, {"email": live_customer.email}).status_code == 400


def test_it_puts_every_history_table_with_personal_data_under_the_view_rule():
    history_models = {entry.history_model for entry in entries() if entry.history_model is not None}
    plain = [
        model._meta.label
        for model in history_models
        if model in admin.site._registry and not isinstance(admin.site._registry[model], HistoryRecordAdmin)
    ]
    assert plain == []


def test_it_hides_whose_public_profile_a_version_is_from_an_auditor(client_as, customer):
    from apps.accounts.services import public_profile_get_or_create, public_profile_update

    profile = public_profile_get_or_create(user=customer)
    public_profile_update(profile=profile, actor=customer, display_name="Casey On Stage")
    version = profile.history.latest("history_date")

    response = client_as("auditor").get(reverse("admin:accounts_historicalpublicprofile_change", args=[version.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert customer.email not in page
    assert "Casey On Stage" not in page


# --- Login events: the same rule on a ledger -------------------------------------------------


def test_it_lists_sign_ins_to_an_auditor_without_who_or_where_for_customers(client_as, records, auditor):
    client = client_as("auditor")  # signing in records the auditor's own (staff) sign-in
    url = reverse("admin:accounts_loginevent_changelist")

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert records.email not in page
    assert "198.51.100.1" not in page
    assert "a customer" in page
    assert auditor.email in page  # staff sign-ins are audited by name
    assert client.get(url, {"ip_address": "198.51.100.1"}).status_code == 400
    assert client.get(url, {"user": records.pk}).status_code == 400
    assert client.get(url, {"ip_address__startswith": "198"}).status_code == 400


def test_it_still_lists_sign_ins_in_full_to_an_officer(client_as, records):
    page = client_as("officer").get(reverse("admin:accounts_loginevent_changelist")).content.decode()
    assert records.email in page
    assert "198.51.100.1" in page


def test_it_applies_the_rule_without_a_query_per_row(client_as, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("auditor")
    url = reverse("admin:accounts_historicaluser_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.get(url)  # warm: the session, the site's content types
    few = queries()
    for n in range(5):
        user_update_details(user=customer, actor=customer, full_name=f"Casey {n}")
    assert queries() == few
