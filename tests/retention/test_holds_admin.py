"""Legal holds in the admin (P-42): placing, changing and releasing them, as each role sees them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from apps.core.clock import organisation_today
from apps.retention.models import LegalHold
from apps.retention.services import holds as services
from tests.factories import UserFactory
from tests.helpers.holds import hold_on

pytestmark = pytest.mark.django_db


# --- Legal holds -----------------------------------------------------------------------------------


def test_an_officer_places_a_hold_from_the_admin(client_as, officer, customer):
    review_on = organisation_today() + timedelta(days=60)
    client = client_as("officer")
    page = client.get(reverse("admin:retention_legalhold_add"), {"subject": customer.pk}).content.decode()
    assert 'name="categories"' in page
    assert 'id="add_id_subject"' not in page  # no "add another user" from the hold form
    assert 'id="delete_id_subject"' not in page

    response = client.post(
        reverse("admin:retention_legalhold_add"),
        {
            "subject": customer.pk,
            "categories": ["financial", "contact"],
            "reason": "unpaid_debt",
            "note": "Invoice 8812 unpaid",
            "review_on": review_on.isoformat(),
        },
    )

    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.subject, hold.placed_by, hold.reason) == (customer, officer, "unpaid_debt")
    assert hold.categories == ["contact", "financial"]
    assert hold.review_on == review_on
    assert hold.history.get().history_user == officer


def test_a_hold_with_no_category_holds_everything_and_a_past_review_date_is_refused(client_as, customer):
    client = client_as("officer")
    data = {"subject": customer.pk, "reason": "regulator", "note": "", "review_on": "2001-01-01"}

    refused = client.post(reverse("admin:retention_legalhold_add"), data)
    assert refused.status_code == 200
    assert "review_on" in refused.context["adminform"].form.errors
    unknown = client.post(reverse("admin:retention_legalhold_add"), {**data, "subject": "999999"})
    assert "subject" in unknown.context["adminform"].form.errors
    assert not LegalHold.objects.exists()

    data["review_on"] = (organisation_today() + timedelta(days=7)).isoformat()
    assert client.post(reverse("admin:retention_legalhold_add"), data).status_code == 302
    assert LegalHold.objects.get().categories == []


def test_it_lists_holds_in_a_fixed_number_of_queries(client_as, officer, django_assert_max_num_queries):
    client = client_as("officer")
    client.get(reverse("admin:retention_legalhold_changelist"))  # the session's first request records it
    hold_on(UserFactory(), officer)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("admin:retention_legalhold_changelist")).status_code == 200
    for _ in range(12):
        hold_on(UserFactory(), officer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("admin:retention_legalhold_changelist"))
    assert len(response.context["cl"].result_list) == 13


def test_it_filters_and_searches_holds(client_as, officer, customer, other_customer):
    overdue = hold_on(customer, officer, review_in=0, reason=LegalHold.Reason.TAX_AUDIT)
    later = hold_on(other_customer, officer, review_in=40)
    released = hold_on(other_customer, officer, review_in=-5)
    services.legal_hold_release(hold=released, actor=officer, note="Closed")
    client = client_as("officer")

    def listed(**params):
        response = client.get(reverse("admin:retention_legalhold_changelist"), params)
        assert response.status_code == 200
        return {hold.pk for hold in response.context["cl"].result_list}

    assert listed(status="active") == {overdue.pk, later.pk}
    assert listed(status="released") == {released.pk}
    assert listed(review_due="yes") == {overdue.pk}
    assert listed(reason__exact="tax_audit") == {overdue.pk}
    assert listed(q=customer.email) == {overdue.pk}
    assert listed(q=str(later.reference)) == {later.pk}
    assert listed(q="not-a-uuid") == set()


def test_an_auditor_sees_holds_by_pseudonymous_reference(client_as, officer, customer):
    hold = hold_on(customer, officer)
    client = client_as("auditor")
    listing = client.get(reverse("admin:retention_legalhold_changelist")).content.decode()
    page = client.get(reverse("admin:retention_legalhold_change", args=[hold.pk])).content.decode()
    assert customer.email not in listing
    assert customer.email not in page
    assert str(hold.reference)[:8] in listing
    assert client.get(reverse("admin:retention_legalhold_changelist"), {"q": customer.email}).status_code == 200
    record = hold.history.get()
    history = client.get(reverse("admin:retention_historicallegalhold_change", args=[record.pk]))
    assert history.status_code == 200
    assert customer.email not in history.content.decode()
    assert (
        "customer@example.test"
        in client_as("officer").get(reverse("admin:retention_legalhold_changelist")).content.decode()
    )


def test_it_releases_a_hold_after_a_confirmation_with_a_note(client_as, officer, customer):
    hold = hold_on(customer, officer)
    client = client_as("officer")
    change = reverse("admin:retention_legalhold_change", args=[hold.pk])
    release = reverse("admin:retention_legalhold_release", args=[hold.pk])
    assert release in client.get(change).content.decode()

    confirmation = client.get(release)
    assert confirmation.status_code == 200
    assert "Yes, release the hold" in confirmation.content.decode()
    without_note = client.post(release, {"release_note": "  "})
    assert without_note.status_code == 200
    assert without_note.context["form"].errors
    hold.refresh_from_db()
    assert hold.is_active

    response = client.post(release, {"release_note": "Debt paid"}, follow=True)
    assert response.redirect_chain[-1][0] == change
    assert "next purge run" in response.content.decode()
    hold.refresh_from_db()
    assert (hold.released_by, hold.release_note) == (officer, "Debt paid")

    # Released: read-only, not released again, never deleted.
    page = client.get(change).content.decode()
    assert release not in page
    assert 'name="review_on"' not in page
    assert client.post(change, {"reason": "litigation", "review_on": "2099-01-01"}).status_code == 403
    again = client.post(release, {"release_note": "again"}, follow=True)
    assert "already released" in again.content.decode()
    hold.refresh_from_db()
    assert hold.release_note == "Debt paid"


def test_an_officer_changes_an_active_hold(client_as, officer, customer):
    hold = hold_on(customer, officer, categories=["contact"])
    later = organisation_today() + timedelta(days=120)
    response = client_as("officer").post(
        reverse("admin:retention_legalhold_change", args=[hold.pk]),
        {"categories": ["contact", "usage"], "reason": "litigation", "note": "Widened", "review_on": later.isoformat()},
    )
    assert response.status_code == 302
    hold.refresh_from_db()
    assert (hold.categories, hold.review_on, hold.subject) == (["contact", "usage"], later, customer)


@pytest.mark.parametrize("persona", ["auditor", "support_agent"])
def test_only_officers_may_release(client_as, persona, officer, customer):
    hold = hold_on(customer, officer)
    client = client_as(persona)
    release = reverse("admin:retention_legalhold_release", args=[hold.pk])
    assert client.get(release).status_code == 403
    assert client.post(release, {"release_note": "x"}).status_code == 403
    hold.refresh_from_db()
    assert hold.is_active


def test_holds_are_never_deleted(client_as, officer, customer):
    hold = hold_on(customer, officer)
    client = client_as("officer")
    assert client.get(reverse("admin:retention_legalhold_delete", args=[hold.pk])).status_code == 403
    listing = client.get(reverse("admin:retention_legalhold_changelist"))
    assert "delete_selected" not in listing.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/retention/legalhold/abc/change/",
        "/admin/retention/legalhold/abc/release/",
        "/admin/retention/legalhold/999999/release/",
        "/admin/retention/legalhold/%C2%B2/release/",
        "/admin/retention/purgerun/abc/change/",
        "/admin/retention/accountdeletion/1%27/change/",
        "/admin/retention/retentionrule/x/change/",
    ],
)
def test_bad_ids_in_urls_are_not_found(client_as, url):
    assert client_as("officer").get(url).status_code == 404


def test_the_subjects_page_shows_their_active_holds_to_officers_only(client_as, officer, customer):
    active = hold_on(customer, officer, categories=["financial"])
    released = hold_on(customer, officer)
    services.legal_hold_release(hold=released, actor=officer, note="Closed")
    url = reverse("admin:accounts_user_change", args=[customer.pk])

    page = client_as("officer").get(url).content.decode()
    assert reverse("admin:retention_legalhold_change", args=[active.pk]) in page
    assert reverse("admin:retention_legalhold_change", args=[released.pk]) not in page
    assert "Financial" in page
    assert f"{reverse('admin:retention_legalhold_add')}?subject={customer.pk}" in page

    support = client_as("support_agent").get(url)
    assert support.status_code == 200
    assert reverse("admin:retention_legalhold_change", args=[active.pk]) not in support.content.decode()


def test_the_subjects_page_still_saves_with_the_holds_shown(client_as, officer, customer):
    hold_on(customer, officer)
    client = client_as("officer")
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    form = client.get(url).context["adminform"].form
    assert "legal_holds" not in form.fields


# --- Whose day (apps/core/clock.py) ----------------------------------------------------------------

# 17:30 UTC on 31 December: already 00:30 on 1 January in Hanoi, still the 31st in UTC.
NEW_YEAR_IN_HANOI = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


@time_machine.travel(NEW_YEAR_IN_HANOI, tick=False)
def test_it_counts_review_dates_and_releases_on_the_organisations_day(
    settings, client_as, officer, customer, other_customer
):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    client = client_as("officer")
    new_years_eve = {"subject": customer.pk, "reason": "regulator", "note": "", "review_on": "2026-12-31"}
    refused = client.post(reverse("admin:retention_legalhold_add"), new_years_eve)
    assert refused.status_code == 200  # yesterday, in Hanoi
    assert "review_on" in refused.context["adminform"].form.errors

    due = hold_on(customer, officer, review_in=0)
    later = hold_on(other_customer, officer, review_in=1)
    released = hold_on(other_customer, officer, review_in=5)
    services.legal_hold_release(hold=released, actor=officer, note="Closed")
    assert (due.review_on, later.review_on) == (date(2027, 1, 1), date(2027, 1, 2))

    listing = client.get(reverse("admin:retention_legalhold_changelist"), {"review_due": "yes"})
    assert [hold.pk for hold in listing.context["cl"].result_list] == [due.pk]
    body = client.get(reverse("admin:retention_legalhold_changelist")).content.decode()
    assert "⚠ 2027-01-01 (due)" in body
    assert "Released 2027-01-01" in body
    assert "2026-12-31" not in body
