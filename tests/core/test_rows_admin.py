"""Changelist rows drawn once per column (apps/core/admin/rows.py): the very HTML Django's own
``result_list`` draws, cell for cell, on the request queue in each of its states, for each persona,
with filters kept in the links and in each language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_list
from django.urls import reverse
from django.utils import timezone, translation

from apps.core.admin.rows import quick_result_list
from apps.core.models import choice_label
from apps.subject_requests.models import SubjectRequest
from tests.factories import UserFactory
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db
LIST = reverse("admin:subject_requests_subjectrequest_changelist")


@pytest.fixture
def requests_in_every_state(officer):
    """Open, overdue, paused, closed, extended; with and without an account; assigned or not."""
    now = timezone.now()
    made = [
        file_request(UserFactory(country=country), request_type=kind, channel=channel)
        for country, kind, channel in [
            ("GB", "access", "email"),
            ("VN", "erasure", "phone"),
            ("US", "rectification", "letter"),
            ("GB", "portability", "web_form"),
        ]
    ]
    made.append(file_request(email="o'brien+list@example.test", request_type="objection"))
    overdue, paused, closed, extended, _stranger = made
    SubjectRequest.objects.filter(pk=overdue.pk).update(due_at=now - timedelta(days=3), assignee=officer)
    SubjectRequest.objects.filter(pk=paused.pk).update(paused_since=now - timedelta(days=1))
    SubjectRequest.objects.filter(pk=closed.pk).update(status="completed", closed_at=now)
    SubjectRequest.objects.filter(pk=extended.pk).update(extended_to=now + timedelta(days=40))
    return made


def _rows(context) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in context["results"]]


def _same_rows_as_django(response) -> list[list[str]]:
    cl = response.context["cl"]
    quick, django = quick_result_list(cl), result_list(cl)
    assert _rows(quick) == _rows(django)
    assert quick["result_headers"] == django["result_headers"]
    assert quick["num_sorted_fields"] == django["num_sorted_fields"]
    assert quick["result_hidden_fields"] == django["result_hidden_fields"] == []
    return _rows(quick)


@pytest.mark.parametrize("persona", ["officer", "auditor"])
@pytest.mark.parametrize(
    "query",
    [{}, {"status__exact": "open"}, {"overdue": "yes"}, {"q": "reference"}, {"o": "-3.2"}, {"assignee": "none"}],
)
def test_it_draws_the_rows_django_draws(client_as, requests_in_every_state, persona, query):
    if "q" in query:  # a search both personas may make: by the reference's start
        query = {"q": requests_in_every_state[-1].short_reference}
    response = client_as(persona).get(LIST, query)
    assert response.status_code == 200
    rows = _same_rows_as_django(response)
    assert rows, "a list with rows to compare"
    assert rows == _rows(response.context)  # the page drew them so


def test_it_keeps_the_lists_filters_in_each_rows_link(client_as, requests_in_every_state):
    response = client_as("officer").get(LIST, {"status__exact": "open", "q": "o'brien"})
    rows = _same_rows_as_django(response)
    assert len(rows) == 1
    assert "?_changelist_filters=status__exact%3Dopen%26q%3Do%2527brien" in rows[0][1]
    listed = client_as("officer").get(LIST).context["cl"]
    for request, row in zip(listed.result_list, _same_rows_as_django(client_as("officer").get(LIST)), strict=True):
        assert f'<a href="/admin/subject_requests/subjectrequest/{request.pk}/change/">' in row[1]


def test_it_draws_the_same_rows_in_vietnamese(client_as, requests_in_every_state):
    response = client_as("officer").get(LIST)
    with translation.override("vi"):
        vietnamese = _same_rows_as_django(response)
    with translation.override("en"):
        english = _same_rows_as_django(response)
    assert vietnamese != english  # the labels followed the language


def test_its_checkbox_is_the_widget_django_renders(client_as, requests_in_every_state):
    model_admin = admin.site.get_model_admin(SubjectRequest)
    for request in SubjectRequest.objects.all():
        assert model_admin.action_checkbox(request) == admin.ModelAdmin.action_checkbox(model_admin, request)


def test_a_choice_label_is_the_models_own_in_each_language(requests_in_every_state):
    for request in SubjectRequest.objects.all():
        for language in ("en", "vi"):
            with translation.override(language):
                assert choice_label(request, "status") == request.get_status_display()
                assert choice_label(request, "request_type") == request.get_request_type_display()
    request = SubjectRequest(status="no-such-status")
    assert choice_label(request, "status") == request.get_status_display() == "no-such-status"


def test_a_pop_up_list_is_left_to_django(client_as, requests_in_every_state):
    response = client_as("officer").get(LIST, {"_popup": "1"})
    cl = response.context["cl"]
    assert cl.is_popup
    assert _rows(quick_result_list(cl)) == _rows(result_list(cl))
    assert 'data-popup-opener="' in _rows(quick_result_list(cl))[0][0]
