"""The request list as a queue: open and overdue first, saved views, "Assign to me" on the
request page, and the links from a request to what carrying it out produced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.db.models import F, OrderBy
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.admin import scale
from apps.subject_requests.admin.queue import QUEUE_ORDERING
from apps.subject_requests.models import SubjectRequest
from apps.subject_requests.models.requests import open_first
from apps.subject_requests.services.requests import subject_request_transition
from tests.factories import UserFactory
from tests.helpers.requests import file_request, request_page

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
LIST = reverse("admin:subject_requests_subjectrequest_changelist")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def assign_me_url(request: SubjectRequest) -> str:
    return reverse("admin:subject_requests_subjectrequest_assign_me", args=[request.pk])


def listed(client, **params) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return [row.short_reference for row in response.context_data["cl"].result_list]


def test_it_lists_open_requests_by_deadline_the_overdue_first_and_closed_last(client_as):
    with time_machine.travel(NOW - timedelta(days=60), tick=False):
        closed = file_request(UserFactory())
        subject_request_transition(request=closed, to_status=Status.REJECTED, actor=None, reason="Not ours")
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        overdue = file_request(UserFactory())
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        recent = file_request(UserFactory())
    with time_machine.travel(NOW - timedelta(days=20), tick=False):
        middle = file_request(UserFactory())
    with time_machine.travel(NOW, tick=False):
        order = listed(client_as("officer"))
    assert order == [overdue.short_reference, middle.short_reference, recent.short_reference, closed.short_reference]


def test_it_offers_saved_views_mine_unassigned_and_due_this_week(client_as, officer):
    with time_machine.travel(NOW - timedelta(days=26), tick=False):
        due_this_week = file_request(UserFactory())
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        mine = file_request(UserFactory())
    with time_machine.travel(NOW, tick=False):
        client = client_as("officer")
        assert client.post(assign_me_url(mine)).status_code == 302
        assert listed(client, queue="mine") == [mine.short_reference]
        assert listed(client, queue="unassigned") == [due_this_week.short_reference]
        assert listed(client, queue="week") == [due_this_week.short_reference]
        page = client.get(LIST).content.decode()
        saved = page.split('class="saved-views"', 1)[1].split("</nav>", 1)[0]
        for name in ("mine", "unassigned", "week"):
            assert f"?queue={name}" in saved


def test_it_assigns_a_request_to_the_officer_who_takes_it_with_history(client_as, officer):
    request = file_request(UserFactory())
    client = client_as("officer")
    page = client.get(request_page(request)).content.decode()
    assert assign_me_url(request) in page
    response = client.post(assign_me_url(request))
    assert response.status_code == 302
    assert response["Location"] == request_page(request)
    request.refresh_from_db()
    assert request.assignee == officer
    latest = request.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == officer
    assert latest.assignee_id == officer.pk
    # Already theirs: the button goes away, a second POST changes nothing.
    assert assign_me_url(request) not in client.get(request_page(request)).content.decode()
    versions = request.history.count()
    assert client.post(assign_me_url(request)).status_code == 302
    assert request.history.count() == versions


@pytest.mark.parametrize(("persona", "status"), [("auditor", 403), ("support_agent", 403)])
def test_it_lets_only_officers_take_a_request(client_as, persona, status):
    request = file_request(UserFactory())
    assert client_as(persona).post(assign_me_url(request)).status_code == status
    request.refresh_from_db()
    assert request.assignee is None


def test_it_refuses_a_get_a_bad_id_and_a_closed_request(client_as):
    request = file_request(UserFactory())
    client = client_as("officer")
    assert client.get(assign_me_url(request)).status_code == 405
    assert client.post(reverse("admin:subject_requests_subjectrequest_assign_me", args=["x"])).status_code == 404
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=None, reason="Not ours")
    response = client.post(assign_me_url(request), follow=True)
    assert "closed" in response.content.decode()
    request.refresh_from_db()
    assert request.assignee is None


def test_taking_a_request_closed_since_the_page_was_read_is_refused_under_the_lock(officer):
    """The page saw it open; another officer closed it before the click's write."""
    from django.core.exceptions import ValidationError

    from apps.subject_requests.services.workflow import subject_requests_assign

    request = file_request(UserFactory())
    seen_open = SubjectRequest.objects.get(pk=request.pk)
    subject_request_transition(request=request, to_status=Status.REJECTED, actor=None, reason="Not ours")
    with pytest.raises(ValidationError, match="closed"):
        subject_requests_assign(requests=[seen_open], assignee=officer, actor=officer, open_only=True)
    request.refresh_from_db()
    assert request.assignee is None
    assert not request.history.filter(history_change_reason__startswith="Assigned").exists()


def test_the_queue_index_has_the_queue_orders_keys_in_order():
    # PostgreSQL reads the list's first page from subject_request_queue_idx only while the index's
    # keys are the ORDER BY's, expression for expression and direction for direction (plus the
    # changelist's "-pk"); a drift back to sorting all requests would show only at scale.
    index = next(i for i in SubjectRequest._meta.indexes if i.name == "subject_request_queue_idx")
    first, deadline, received = QUEUE_ORDERING
    assert first == OrderBy(open_first())
    assert index.expressions[0] == open_first()
    assert deadline == OrderBy(Coalesce("extended_to", "due_at"), nulls_last=True)
    assert index.expressions[1] == Coalesce("extended_to", "due_at")  # ascending: nulls last in PostgreSQL
    assert received == "-received_at"
    assert index.expressions[2] == F("received_at").desc()
    assert index.expressions[3] == F("id").desc()


def _due(count: int, *, days: int, assignee=None) -> None:
    """``count`` open requests due in ``days`` (negative: overdue), a stranger's every third."""
    for index in range(count):
        subject = None if index % 3 == 2 else UserFactory()
        request = file_request(subject, email="" if subject else f"stranger{index}.in{days}@example.test")
        due_at = timezone.now() + timedelta(days=days)
        SubjectRequest.objects.filter(pk=request.pk).update(due_at=due_at, assignee=assignee)


@pytest.mark.parametrize("persona", ["officer", "auditor"])
@pytest.mark.parametrize("query", [{"status__exact": "open"}, {"due_soon": "yes"}, {"overdue": "yes"}, {}])
def test_a_page_of_the_queue_costs_the_same_queries_for_one_row_or_many(
    client_as, officer, persona, query, django_assert_num_queries
):
    # The rows are drawn from what the list's one query brought (apps/core/admin/rows.py): a
    # page of many rows costs what a page of one does (issue #15, the queue at a million customers).
    _due(1, days=-2, assignee=officer)
    _due(1, days=3)
    client = client_as(persona)
    client.get(LIST, query)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST, query).context_data["cl"].result_list) in {1, 2}
    _due(14, days=-5, assignee=officer)
    _due(14, days=2)
    with django_assert_num_queries(len(one)):
        assert len(client.get(LIST, query).context_data["cl"].result_list) in {15, 30}


def test_a_queue_of_many_pages_loads_only_what_its_columns_read(client_as, monkeypatch, django_assert_num_queries):
    # Paged, the rows come from the paginator (a list once the count is estimated), not from the
    # list's queryset.
    monkeypatch.setattr(admin.site.get_model_admin(SubjectRequest), "list_per_page", 4)
    monkeypatch.setattr(scale, "EXACT_UP_TO", 6)
    monkeypatch.setattr(scale, "COUNT_CAP", 6)
    _due(12, days=2)
    client = client_as("officer")
    client.get(LIST, {"due_soon": "yes"})
    with CaptureQueriesContext(connection) as first_page:
        response = client.get(LIST, {"due_soon": "yes"})
    for page in ("1", "3"):
        with django_assert_num_queries(len(first_page)):
            response = client.get(LIST, {"due_soon": "yes", "p": page})
        assert response.status_code == 200
        assert response.context_data["cl"].paginator.estimated
        assert len(response.context_data["cl"].result_list) == 4
        assert all(row.get_deferred_fields() for row in response.context_data["cl"].result_list)
