"""Changelists at scale (apps/core/admin/scale.py): counts that never read a large table whole,
date drilldowns by index probes that agree with Django's own, searches an index answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Max, Min
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import LoginEvent, User
from apps.core.admin import scale
from apps.core.admin.scale import EstimatedCountPaginator, at_scale, with_date_probes
from apps.core.models import reference_prefix_range
from tests.factories import LoginEventFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGINS = reverse("admin:accounts_loginevent_changelist")
USERS = reverse("admin:accounts_user_changelist")


def test_it_counts_a_small_filtered_list_exactly():
    UserFactory.create_batch(3, country="VN")
    paginator = EstimatedCountPaginator(User.objects.filter(country="VN").order_by("pk"), 2)
    assert paginator.count == 3
    assert not paginator.estimated
    assert paginator.num_pages == 2


def test_it_stops_counting_a_large_filtered_list(monkeypatch):
    monkeypatch.setattr(scale, "EXACT_UP_TO", 2)
    monkeypatch.setattr(scale, "COUNT_CAP", 2)
    UserFactory.create_batch(5, country="VN")
    queryset = User.objects.filter(country="VN").order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        paginator = EstimatedCountPaginator(queryset, 2)
        count = paginator.count
    assert paginator.estimated
    # At least the rows it counted; on PostgreSQL the planner's estimate when that is more.
    assert count >= 3
    counting = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counting
    assert all("LIMIT 3" in sql for sql in counting)


def test_it_takes_the_planners_row_count_of_a_large_unfiltered_table(monkeypatch):
    UserFactory.create_batch(4)
    monkeypatch.setattr(scale, "EXACT_TABLE_BELOW", 2)
    paginator = EstimatedCountPaginator(User.objects.order_by("pk"), 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE accounts_user")
        with CaptureQueriesContext(connection) as queries:
            count = paginator.count
        assert paginator.estimated
        assert count == User.objects.count()  # ANALYZE just counted them all
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    else:
        # No planner statistics to read: counted, up to the cap.
        assert paginator.count == User.objects.count()
        assert not paginator.estimated


def test_it_keeps_a_paginator_or_full_count_an_admin_chose():
    class Chosen(admin.ModelAdmin):
        paginator = Paginator
        show_full_result_count = True

    class Plain(admin.ModelAdmin):
        pass

    assert at_scale(Chosen).paginator is Paginator
    assert at_scale(Chosen).show_full_result_count is True
    assert at_scale(Plain).paginator is EstimatedCountPaginator
    assert at_scale(Plain).show_full_result_count is False
    # Every admin of the portal's site has it.
    model_admin = admin.site._registry[LoginEvent]
    assert isinstance(model_admin, scale.AtScaleMixin)
    assert model_admin.paginator is EstimatedCountPaginator


@pytest.mark.parametrize("zone", ["UTC", "Asia/Ho_Chi_Minh", "America/Los_Angeles"])
def test_its_date_drilldown_agrees_with_djangos(zone):
    user = UserFactory()
    # Around the turn of a year, a month and a day, and a gap of empty months.
    moments = [
        datetime(2024, 12, 31, 16, 30, tzinfo=UTC),
        datetime(2024, 12, 31, 23, 30, tzinfo=UTC),
        datetime(2025, 1, 1, 7, 59, tzinfo=UTC),
        datetime(2025, 1, 31, 18, 0, tzinfo=UTC),
        datetime(2025, 6, 15, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
    ]
    for moment in moments:
        LoginEventFactory(user=user, occurred_at=moment)
    plain = LoginEvent.objects.all()
    probing = with_date_probes(plain)
    with timezone.override(ZoneInfo(zone)):
        assert list(probing.datetimes("occurred_at", "year")) == list(plain.datetimes("occurred_at", "year"))
        for year in (2024, 2025, 2026):
            in_year = {"occurred_at__year": year}
            assert list(probing.filter(**in_year).datetimes("occurred_at", "month")) == list(
                plain.filter(**in_year).datetimes("occurred_at", "month")
            )
        for year, month in ((2024, 12), (2025, 1), (2025, 6)):
            in_month = {"occurred_at__year": year, "occurred_at__month": month}
            assert list(probing.filter(**in_month).datetimes("occurred_at", "day")) == list(
                plain.filter(**in_month).datetimes("occurred_at", "day")
            )
        assert list(probing.datetimes("occurred_at", "year", order="DESC")) == list(
            plain.datetimes("occurred_at", "year", order="DESC")
        )
    assert list(with_date_probes(LoginEvent.objects.none()).datetimes("occurred_at", "year")) == []
    assert list(with_date_probes(User.objects.filter(pk=user.pk)).dates("date_joined", "month")) == list(
        User.objects.filter(pk=user.pk).dates("date_joined", "month")
    )


def test_the_login_list_draws_its_drilldown_without_reading_every_row(client_as):
    user = UserFactory()
    now = timezone.now()
    for days in (0, 400, 800):
        LoginEventFactory(user=user, occurred_at=now - timedelta(days=days))
    client = client_as("officer")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOGINS)
    assert response.status_code == 200
    body = response.content.decode()
    for days in (0, 400, 800):
        year = (now - timedelta(days=days)).year
        assert f"occurred_at__year={year}" in body
    statements = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "DISTINCT" not in statements  # Django's own drilldown truncates and de-duplicates every row
    # One statement of probes for the years, not one per year.
    probes = [q for q in queries.captured_queries if "IS NOT NULL" in q["sql"] and "occurred_at" in q["sql"]]
    assert len(probes) == 1
    # The device filter offers the kinds the sign-in records name, without reading the column.
    assert "device=Mobile" in body


def test_the_customer_list_reads_no_column_whole(client_as):
    UserFactory(country="VN")
    UserFactory(country="FR")
    client = client_as("officer")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(USERS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "country=VN" in body
    assert "country=FR" in body
    assert "country=DE" not in body  # only the countries in use
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_it_finds_customers_by_what_an_index_holds(client_as):
    casey = UserFactory(email="casey.customer@example.test", full_name="Casey Customer", phone="+442079460958")
    UserFactory(email="olu@example.test", full_name="Olu Other")
    client = client_as("officer")

    def found(term):
        response = client.get(USERS, {"q": term})
        assert response.status_code == 200
        return {user.pk for user in response.context["cl"].result_list}

    assert found("casey.cust") == {casey.pk}
    assert found("CASEY.CUSTOMER@EXAMPLE.TEST") == {casey.pk}  # addresses are kept in lower case
    assert found("casey cus") == {casey.pk}  # the start of the name, in any case
    assert found("+442079460958") == {casey.pk}
    assert found(str(casey.reference)[:8].upper()) == {casey.pk}
    assert found("customer@example") == set()  # the middle of an address is not searched
    assert found("%") == set()  # a pattern character is matched as itself
    assert "start of an email address" in client.get(USERS).content.decode()


def test_it_finds_sign_ins_by_whole_address_or_ip(client_as):
    casey = UserFactory(email="casey@example.test")
    mine = LoginEventFactory(user=casey, ip_address="198.51.100.4")
    theirs = LoginEventFactory(ip_address="2001:db8::1")
    client = client_as("officer")

    def found(term):
        response = client.get(LOGINS, {"q": term})
        assert response.status_code == 200
        return {event.pk for event in response.context["cl"].result_list}

    assert found("Casey@Example.test") == {mine.pk}
    assert found("198.51.100.4") == {mine.pk}
    assert found("2001:DB8:0::1") == {theirs.pk}
    assert found("198.51.100") == set()  # not an address: no 500 from the inet column
    assert found("casey") == set()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("1a2b", ("1a2b0000-0000-0000-0000-000000000000", "1a2bffff-ffff-ffff-ffff-ffffffffffff")),
        ("1A2B3C4D-9F", ("1a2b3c4d-9f00-0000-0000-000000000000", "1a2b3c4d-9fff-ffff-ffff-ffffffffffff")),
        ("1a2", None),
        ("1a2g", None),
        ("casey@example.test", None),
        ("1a2b3c4d9f0011112222333344445555ff", None),
    ],
)
def test_it_turns_a_reference_prefix_into_a_range(term, expected):
    found = reference_prefix_range(term)
    assert (None if found is None else tuple(str(value) for value in found)) == expected


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_loginevent_changelist",
        "admin:consent_consentevent_changelist",
        "admin:disclosures_disclosure_changelist",
        "admin:subject_requests_subjectrequest_changelist",
    ],
)
def test_no_large_list_reads_a_column_whole_for_its_filters_or_drilldown(client_as, url_name):
    """SELECT DISTINCT (Django's filter over a column's values, its date drilldown) reads every
    row of the table: at millions of rows, seconds on each view of the list."""
    user = UserFactory()
    LoginEventFactory(user=user)
    client = client_as("officer")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    table = response.context["cl"].model._meta.db_table
    # Small tables (recipients, staff) may be read whole; the list's own table never.
    reading_whole = [
        q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper() and f'FROM "{table}"' in q["sql"]
    ]
    assert not reading_whole


def test_the_customer_page_shows_their_own_latest_sign_ins(client_as):
    casey = UserFactory()
    now = timezone.now()
    theirs = [LoginEventFactory(user=casey, occurred_at=now - timedelta(hours=h)) for h in range(1, 23)]
    LoginEventFactory.create_batch(5, occurred_at=now)  # someone else's, newer than all of Casey's
    response = client_as("officer").get(reverse("admin:accounts_user_change", args=[casey.pk]))
    assert response.status_code == 200
    inline = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is LoginEvent)
    shown = [form.instance.pk for form in inline.formset.forms]
    assert shown == [event.pk for event in theirs[:20]]  # the latest 20, newest first


def test_the_list_says_when_its_count_is_an_estimate(client_as, monkeypatch):
    UserFactory.create_batch(3, country="VN")
    client = client_as("officer")
    exact = client.get(USERS, {"country": "VN"}).content.decode()
    assert "about 3" not in exact
    monkeypatch.setattr(scale, "EXACT_UP_TO", 1)
    monkeypatch.setattr(scale, "COUNT_CAP", 1)
    estimated = client.get(USERS, {"country": "VN"})
    assert estimated.context["cl"].paginator.estimated
    assert f"about {estimated.context['cl'].result_count} users" in " ".join(estimated.content.decode().split())


def test_the_drilldowns_first_and_last_dates_come_from_the_filters_own_rows():
    old, recent = UserFactory(), UserFactory()
    now = timezone.now()
    for days in range(5):
        LoginEventFactory(user=old, occurred_at=now - timedelta(days=400 + days), succeeded=True)
    failed = [LoginEventFactory(user=recent, occurred_at=now - timedelta(days=d), succeeded=False) for d in (1, 2)]
    probing = with_date_probes(LoginEvent.objects.filter(succeeded=False))
    with CaptureQueriesContext(connection) as queries:
        bounds = probing.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert bounds == {"first": failed[1].occurred_at, "last": failed[0].occurred_at}
    assert len(queries.captured_queries) == 1
    assert "LIMIT" in queries.captured_queries[0]["sql"].upper()  # the filter's rows, a bounded number
    # Beyond EXACT_UP_TO matching rows, the usual MIN/MAX (each end of the date index).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scale, "EXACT_UP_TO", 1)
        with CaptureQueriesContext(connection) as queries:
            assert probing.aggregate(first=Min("occurred_at"), last=Max("occurred_at")) == bounds
        assert len(queries.captured_queries) == 2
    # Other aggregates are Django's.
    assert probing.aggregate(n=Count("pk")) == {"n": 2}


def test_the_drilldown_of_a_distinct_list_agrees_with_djangos(client_as, officer):
    # A filter across a many-to-many relation makes the list DISTINCT (which selects what it orders by).
    staff = User.objects.filter(groups__isnull=False).distinct()
    assert list(with_date_probes(staff).datetimes("date_joined", "day")) == list(staff.datetimes("date_joined", "day"))
    group = officer.groups.get()
    response = client_as("officer").get(USERS, {"groups__id__exact": group.pk})
    assert response.status_code == 200
    assert officer in response.context["cl"].result_list


def test_a_low_estimate_never_hides_the_rows_past_it(monkeypatch):
    """The planner may guess far too few rows for combined filters: every row stays reachable,
    page after page, and a full page always offers the next."""
    monkeypatch.setattr(scale, "EXACT_UP_TO", 2)
    monkeypatch.setattr(scale, "COUNT_CAP", 2)
    users = UserFactory.create_batch(7, country="VN")
    queryset = User.objects.filter(country="VN").order_by("pk")
    seen = []
    number = 1
    while True:
        paginator = EstimatedCountPaginator(queryset, 2)
        assert paginator.count >= 3  # the capped count, or a low estimate
        page = paginator.page(number)
        seen += list(page.object_list)
        if not page.has_next():
            break
        number += 1
    assert seen == users
    with pytest.raises(scale.EmptyPage):
        EstimatedCountPaginator(queryset, 2).page(number + 1)


def test_the_list_serves_a_page_past_a_low_estimate(client_as, monkeypatch):
    monkeypatch.setattr(scale, "EXACT_UP_TO", 2)
    monkeypatch.setattr(scale, "COUNT_CAP", 2)
    monkeypatch.setattr(admin.site._registry[User], "list_per_page", 2)
    UserFactory.create_batch(5, country="VN")
    client = client_as("officer")
    second = client.get(USERS, {"country": "VN", "p": 2})
    assert second.context["cl"].paginator.estimated
    assert second.context["cl"].paginator.num_pages >= 3  # a full page offers the next
    last = client.get(USERS, {"country": "VN", "p": 3})
    assert last.status_code == 200  # not the ?e=1 redirect of a page "past the end"
    assert len(last.context["cl"].result_list) == 1
    assert client.get(USERS, {"country": "VN", "p": 4}).status_code == 302  # past the rows: Django's own answer
