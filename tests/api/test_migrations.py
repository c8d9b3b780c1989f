"""The data migration api 0004: requests filed through the API before ApiFiledRequest existed are
given to the client that filed them (the actor of their history), and to no other."""

import importlib

import pytest
from django.apps import apps

from apps.api.models import ApiFiledRequest
from apps.api.services import api_client_revoke, person_token_issue
from apps.subject_requests.models import SubjectRequest
from tests.api.conftest import Caller, filed_on_the_pages

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("apps.api.migrations.0004_filed_requests_backfill").filed_requests_backfill


def test_it_gives_each_api_filed_request_to_its_filing_client(make_client, customer, other_customer, officer):
    filer, key = make_client(name="Mobile app")
    bystander, _other_key = make_client(name="Mobile")  # a name that is the start of the filer's
    response = Caller(key).post(
        "/api/v1/requests", {"person_token": person_token_issue(user=customer), "request_type": "access"}
    )
    assert response.status_code == 201
    filed = SubjectRequest.objects.get(reference=response.json()["reference"])
    by_hand = filed_on_the_pages(other_customer)
    # Renamed and revoked since it filed: still the filer (its history keeps the old name).
    filer.name = "Mobile app v2"
    filer.save()
    api_client_revoke(client=filer, actor=officer)
    ApiFiledRequest.objects.all().delete()  # as before migration 0002

    backfill(apps, None)
    backfill(apps, None)  # run twice (a migration re-run after a failure): no second row

    assert list(ApiFiledRequest.objects.values_list("client", "subject_request")) == [(filer.pk, filed.pk)]
    assert not ApiFiledRequest.objects.filter(subject_request=by_hand).exists()
    assert not ApiFiledRequest.objects.filter(client=bystander).exists()
