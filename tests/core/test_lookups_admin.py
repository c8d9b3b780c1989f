"""Admin changelists filter only through what each admin declares (finding 2 of issue 13).

Django lets the query string filter on any of a model's own fields; read through the result
count, ``?requester_email__regex=^v[a-m]`` rebuilt a requester's address the Auditor never
sees, letter by letter. Every changelist now answers 400 to a parameter that none of its list
filters or its date hierarchy reads, and shows no list (so no count) with it.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.consent.models import ConsentEvent, Purpose
from apps.consent.services.ledger import Context, consent_record
from apps.core.admin.shared import DeclaredLookupsOnlyMixin
from apps.core.admin.site import PortalAdminSite
from tests.disclosures.factories import record
from tests.factories import UserFactory
from tests.helpers import add_authenticator, sign_in
from tests.helpers.holds import hold_on
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db

REQUESTS = "admin:subject_requests_subjectrequest_changelist"
CONSENT = "admin:consent_consentevent_changelist"
DISCLOSURES = "admin:disclosures_disclosure_changelist"
HOLDS = "admin:retention_legalhold_changelist"


@pytest.fixture
def recorded(customer, officer):
    """A stranger's request, a consent choice, a disclosure and a hold about the customer."""
    file_request(
        email="victor@example.test",
        details="My account number is 4711",
    )
    newsletter = Purpose.objects.get(code="newsletter")
    page = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")
    consent_record(purpose=newsletter, granted=True, context=page, actor=customer, subject=customer)
    record(actor=officer, subjects=[customer])
    hold_on(customer, officer)
    return customer


def refused(response) -> None:
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="result_list"' not in body
    assert "result" not in body.lower()


# Each reads a field the Auditor's pages do not show, or ties a pseudonymous row to an account.
HIDDEN_FIELD_LOOKUPS = [
    (REQUESTS, "requester_email__regex", "^v[a-m]"),
    (REQUESTS, "requester_email", "victor@example.test"),
    (REQUESTS, "details__icontains", "4711"),
    (REQUESTS, "requester_name__istartswith", "S"),
    (REQUESTS, "rejection_reason__isnull", "True"),
    (REQUESTS, "outcome__icontains", "a"),
    (REQUESTS, "verification_note__icontains", "replied"),
    (REQUESTS, "subject", "{subject}"),
    (CONSENT, "subject", "{subject}"),
    (CONSENT, "subject_id", "{subject}"),
    (CONSENT, "user_agent__icontains", "Mozilla"),
    (CONSENT, "ip_address", "127.0.0.1"),
    (DISCLOSURES, "subjects__subject", "{subject}"),
    (DISCLOSURES, "description__icontains", "Email"),
    (HOLDS, "subject", "{subject}"),
    (HOLDS, "subject__email", "customer@example.test"),
    (HOLDS, "note__icontains", "Case"),
]


@pytest.mark.parametrize(("changelist", "lookup", "value"), HIDDEN_FIELD_LOOKUPS)
def test_it_refuses_the_auditor_a_lookup_on_a_hidden_field(client_as, recorded, changelist, lookup, value):
    url = reverse(changelist)
    response = client_as("auditor").get(url, {lookup: value.format(subject=recorded.pk)})
    refused(response)


# What the filters, search, ordering and paging use keeps working.
DECLARED = [
    (REQUESTS, {"status__exact": "open"}),
    (REQUESTS, {"request_type__exact": "access", "channel__exact": "email"}),
    (REQUESTS, {"due_soon": "yes", "overdue": "yes"}),
    (REQUESTS, {"jurisdiction__id__exact": "1", "jurisdiction__isnull": "True"}),
    (REQUESTS, {"received_at__year": "2026", "received_at__month": "3", "received_at__day": "1"}),
    (REQUESTS, {"q": "victor", "o": "1", "p": "1"}),
    (REQUESTS, {"all": "", "_facets": "True"}),
    (CONSENT, {"purpose__id__exact": "1", "granted__exact": "1", "language": "en"}),
    (HOLDS, {"status": "active", "review_due": "yes", "reason__exact": "litigation"}),
    ("admin:consent_policyversion_changelist", {"effective_on__gte": "2026-01-01", "effective_on__lt": "2026-02-01"}),
]


@pytest.mark.parametrize(("changelist", "params"), DECLARED)
def test_it_still_filters_searches_orders_and_pages_as_declared(client_as, recorded, changelist, params):
    assert client_as("auditor").get(reverse(changelist), params).status_code == 200


def test_the_officer_still_filters_requests_by_assignee(client_as, recorded):
    assert client_as("officer").get(reverse(REQUESTS), {"assignee": "me"}).status_code == 200


def test_every_registered_admin_filters_only_as_declared():
    undeclared = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, DeclaredLookupsOnlyMixin)
    ]
    assert undeclared == []


def test_an_admin_registered_later_gets_the_rule_too():
    class LateAdmin(admin.ModelAdmin):
        pass

    site = PortalAdminSite(name="late")  # a fresh one, so the real registry is left alone
    site.register(Purpose, LateAdmin)
    assert isinstance(site._registry[Purpose], DeclaredLookupsOnlyMixin)
    assert isinstance(site._registry[Purpose], LateAdmin)


def test_a_third_party_admin_refuses_an_undeclared_lookup_too(client_as, customer):
    # allauth's email addresses: no filter on the address itself, so no lookup on it.
    changelist = reverse("admin:account_emailaddress_changelist")
    refused(client_as("officer").get(changelist, {"email__regex": "^c"}))
    assert client_as("officer").get(changelist, {"verified__exact": "1"}).status_code == 200


def test_a_raw_id_popup_still_opens_its_list(client_as, customer):
    # The email address admin picks its user in a popup: _popup and _to_field are Django's own.
    users = reverse("admin:accounts_user_changelist")
    response = client_as("officer").get(users, {"_popup": "1", "_to_field": "id", "q": customer.email})
    assert response.status_code == 200
    assert customer.email in response.content.decode()
    refused(client_as("officer").get(users, {"_popup": "1", "_to_field": "id", "password__startswith": "md5"}))


@pytest.fixture
def superuser_client(client):
    person = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    add_authenticator(person)
    return sign_in(client, person)


def changelists():
    return [
        pytest.param(model, id=model._meta.label)
        for model in sorted(admin.site._registry, key=lambda model: model._meta.label)
    ]


@pytest.mark.parametrize("model", changelists())
def test_every_changelist_refuses_an_undeclared_lookup_and_takes_its_filters_and_search(superuser_client, model):
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    refused(superuser_client.get(url, {f"{model._meta.pk.name}__gte": "0"}))
    declared = model_admin.declared_lookups(superuser_client.get(url).wsgi_request)
    # A value a filter cannot use is Django's "?e=1" redirect, never a refusal.
    response = superuser_client.get(url, dict.fromkeys(declared, "1"))
    assert response.status_code in (200, 302)
    # Search, ordering and paging are no lookups: taken as Django takes them.
    assert superuser_client.get(url, {"q": "someone@example.test", "o": "1", "p": "1"}).status_code in (200, 302)
