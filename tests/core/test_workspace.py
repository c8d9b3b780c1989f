"""The privacy-operations home (the admin index): tiles for today's work, each number a link to
the list that holds exactly those rows; the model list grouped by the officer's work."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from apps.core.models import Job
from apps.retention.models import LegalHold
from apps.subject_requests.services.workflow import subject_requests_assign
from tests.factories import UserFactory
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db
HOME = reverse("admin:index")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def tile(body: str, key: str) -> str:
    end = r"</li>\s*(?:<li class=\"tile|</ul>\s*</section>)"
    end = r'</li>\s*(?:<li class="tile|</ul>\s*</section>)'
    match = re.search(rf'<li class="tile[^"]*" id="tile-{key}">(.*?)' + end, body, re.S)
    assert match, f"no tile {key}"
    return match.group(1)


def tile_link(body: str, key: str) -> tuple[int, str]:
    """The tile's number and the list it links to."""
    figure = r'<p class="tile-figure">\s*<a href="([^"]+)"><span class="tile-count">(\d+)</span>'
    match = re.search(figure, tile(body, key))
    assert match, f"tile {key} has no number"
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def listed(client, url: str) -> int:
    """How many rows the changelist at ``url`` says it holds."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context_data["cl"].result_count


@pytest.mark.parametrize(("persona", "status"), [("officer", 200), ("auditor", 200), ("support_agent", 200)])
def test_it_opens_for_staff(client_as, persona, status):
    assert client_as(persona).get(HOME).status_code == status


def test_it_counts_overdue_and_soon_due_requests_as_the_lists_behind_them(client_as, customer, officer):
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        late = file_request(customer)
    with time_machine.travel(NOW - timedelta(days=29), tick=False):
        soon = file_request(UserFactory())
    with time_machine.travel(NOW, tick=False):
        fresh = file_request(UserFactory())
        subject_requests_assign(requests=[fresh], assignee=officer, actor=officer)
        client = client_as("officer")
        body = client.get(HOME).content.decode()
        count, url = tile_link(body, "deadlines")
        assert count == 1
        assert listed(client, url) == 1
        assert late.short_reference in client.get(url).content.decode()
        mine, mine_url = tile_link(body, "my_requests")
        assert mine == 1
        assert listed(client, mine_url) == 1
        assert fresh.short_reference in tile(body, "my_requests")
        unassigned, unassigned_url = tile_link(body, "unassigned_requests")
        assert unassigned == 2 == listed(client, unassigned_url)
        assert soon.short_reference in tile(body, "unassigned_requests")
        due3 = re.search(r'<a href="([^"]+)"><span class="tile-count">(\d+)</span> due within 3 days', body)
        assert due3
        assert int(due3.group(2)) == 1 == listed(client, due3.group(1).replace("&amp;", "&"))


def test_it_counts_holds_past_review_and_failed_jobs(client_as, customer, officer):
    review_on = datetime(2020, 1, 1, tzinfo=UTC).date()
    review_on = datetime(2020, 1, 1, tzinfo=UTC).date()
    LegalHold.objects.create(subject=customer, reason="litigation", placed_by=officer, review_on=review_on)
    Job.objects.create(kind="test.kind", target="1", state=Job.State.FAILED, last_error="boom")
    client = client_as("officer")
    body = client.get(HOME).content.decode()
    holds, holds_url = tile_link(body, "hold_reviews")
    assert holds == 1 == listed(client, holds_url)
    failed, failed_url = tile_link(body, "jobs")
    assert failed == 1 == listed(client, failed_url)


def test_it_groups_history_and_tokens_under_records_and_audit(client_as):
    body = client_as("officer").get(HOME).content.decode()
    records = body.split('id="group-records"', 1)[1].split("</table>", 1)[0]
    assert "Historical" in records or "historical" in records
    requests = body.split('id="group-requests"', 1)[1].split("</table>", 1)[0]
    assert "historical" not in requests.lower()
    assert body.index('id="workspace-today"') < body.index('id="group-requests"')


def test_it_shows_auditors_no_personal_tile_of_their_own(client_as, customer):
    file_request(customer)
    body = client_as("auditor").get(HOME).content.decode()
    assert 'id="tile-my_requests"' not in body
    assert customer.email not in body


def test_it_reads_the_same_number_of_queries_however_many_requests_there_are(client_as, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = client_as("officer")
        client.get(HOME)  # the session's first page reads more (sign-in records)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        file_request(UserFactory())
    with time_machine.travel(NOW, tick=False):
        few = queries()
    with time_machine.travel(NOW - timedelta(days=35), tick=False):
        for _ in range(12):
            file_request(UserFactory())
    with time_machine.travel(NOW, tick=False):
        many = queries()
    assert many == few, (few, many)


def test_it_shows_each_open_breachs_clock_in_hours_the_most_urgent_first(client_as, officer):
    from tests.breaches.helpers import open_breach

    with time_machine.travel(NOW, tick=False):
        client = client_as("officer")
        assert 'id="tile-breaches"' not in client.get(HOME).content.decode()  # a quiet day
        open_breach(officer, aware_at=NOW - timedelta(hours=30), jurisdictions=["uk"])
        body = client.get(HOME).content.decode()
        count, url = tile_link(body, "breaches")
        assert count == 1 == listed(client, url)
    assert "42 hours left" in tile(body, "breaches")  # 72 hours from awareness, 30 gone
