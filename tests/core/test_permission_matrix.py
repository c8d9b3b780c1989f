"""Every admin URL, as every role, against the declared table (tests/core/permission_matrix.py).

The URLs come from the admin site itself: each registered model admin's changelist, add,
change, delete and history pages, every other URL of its ``get_urls()``, every action it
has, and the site-level pages (``register_site_view``), each with GET and POST. A model, page
or action with no entry in the table fails, naming it; so does any answer that differs from
the table. One object of each registered model is made first, so object pages answer as they
do for real rows (a missing row would answer 404 or a redirect to everyone).

One test walks all roles over the same rows: each role's requests run in a savepoint that is
rolled back, so what one role's POSTs change, the next role does not see.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from allauth.usersessions.models import UserSession
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT
from apps.accounts.models import Organisation
from apps.accounts.services import user_update_details
from apps.api.models import ApiClient, WebhookSubscription
from apps.api.services import api_client_create, webhook_subscription_create
from apps.breaches.services.register import breach_open
from apps.consent.models import ConsentEvent, Mailing, PolicyVersion, Purpose, Suppression
from apps.consent.services.ledger import Context, consent_record, restriction_place, suppression_add
from apps.core.admin.site import site_views
from apps.core.clock import organisation_today
from apps.disclosures.models import StaffAccessEvent
from apps.disclosures.services.access import content_access_request, staff_access_log
from apps.disclosures.services.compelled import compelled_request_receive
from apps.disclosures.services.register import disclosure_anchor_head, disclosure_attach
from apps.personal_data.erasure.run import erasure_start
from apps.personal_data.export.run import export_request
from apps.retention.models import PurgeRun
from apps.retention.services.deletion import account_deletion_request
from apps.subject_requests.services.intake import subject_request_attach
from apps.systems.models import PropagationTask
from apps.systems.services import system_secret_rotate
from tests.core.permission_matrix import ADMINS, ANONYMOUS, CUSTOMER, ROLES, SITE_VIEWS, SUPERUSER, Admin
from tests.disclosures.factories import RecipientFactory, record
from tests.factories import LoginEventFactory, PublicProfileFactory, UserFactory
from tests.helpers import add_authenticator, sign_in
from tests.helpers.holds import hold_on
from tests.helpers.requests import file_request

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a letter"
STANDARD_PAGES = ("changelist", "add", "change", "delete", "history")


# --- One row of every registered model ---------------------------------------------------------


@dataclass
class Rows:
    customer: Any
    by_model: dict[str, Any]  # model label → one row
    request_attachment: Any
    disclosure_attachment: Any


def one_of_each(officer) -> Rows:
    """A row of each registered model, made as the portal makes them where a service exists."""
    customer = UserFactory(email="matrix-customer@example.test", full_name="Mira Matrix")
    leaving = UserFactory(email="matrix-leaving@example.test")
    PublicProfileFactory(user=customer)
    Organisation.objects.create(name="Example Ltd", address="1 High Street", contact_email="privacy@example.test")
    LoginEventFactory(user=customer)
    request = file_request(customer)
    request_attachment = subject_request_attach(
        request=request, upload=SimpleUploadedFile("letter.pdf", PDF, "application/pdf"), actor=officer
    )
    page = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")
    newsletter = Purpose.objects.get(code="newsletter")
    consent_record(purpose=newsletter, granted=True, context=page, actor=customer, subject=customer)
    restriction_place(subject=customer, reason="Accuracy contested", actor=officer)
    suppression_add(email="gone@example.test", channel="email", reason=Suppression.Reason.UNSUBSCRIBE)
    Mailing.objects.create(
        kind=Mailing.Kind.POLICY_NOTICE,
        policy_version=PolicyVersion.objects.get(version="1.0"),
        subject_line="Our privacy policy changes",
        body="…",
    )
    recipient = RecipientFactory()
    disclosure = record(actor=officer, subjects=[customer], recipient=recipient)
    disclosure_attachment = disclosure_attach(
        disclosure=disclosure, upload=SimpleUploadedFile("order.pdf", PDF, "application/pdf"), actor=officer
    )
    disclosure_anchor_head()
    # A system the request must reach (apps/systems): its webhook secret, and the request's task for it.
    system = RecipientFactory(
        name="Matrix processor", connector="webhook", webhook_url="https://hooks.example.test/privacy"
    )
    system_secret_rotate(system=system, actor=officer)
    PropagationTask.objects.create(
        request=request,
        system=system,
        action="erase",
        why=PropagationTask.Why.HOLDS,
        connector="manual",
        state=PropagationTask.State.SENT,
        deadline_at=timezone.now() + timedelta(days=10),
    )
    compelled_request_receive(
        actor=officer,
        recipient=RecipientFactory(category="law_enforcement"),
        requested_by="Detective Inspector",
        authority="Example Police",
        external_reference="EP-1",
        deadline=organisation_today() + timedelta(days=10),
        subjects=[customer],
        data_categories=["contact"],
        data_requested="The email address",
    )
    content_access_request(
        staff=officer, customer=customer, purpose="legal", reason="Court order", ticket_reference="T-1"
    )
    staff_access_log(staff=officer, customer=customer, kind=StaffAccessEvent.Kind.RECORD_VIEW, path="/admin/")
    export_request(subject=customer, actor=customer, enqueue=False)
    erasure_start(subject=customer, actor=officer, reason="Preview", dry_run=True, queue=False)
    account_deletion_request(user=leaving, actor=leaving)
    hold_on(customer, officer)
    api_client, _key = api_client_create(
        client=ApiClient(name="Mail platform", owner="Mail team", purpose="Checks", scopes=["consent:check"]),
        actor=officer,
    )
    webhook_subscription_create(
        subscription=WebhookSubscription(
            client=api_client, url="https://hooks.example.test/consent", event_types=["consent.changed"]
        ),
        actor=officer,
    )
    if django_apps.is_installed("apps.service_data"):
        # Billing: an invoice and its payment, through the services (the invoice places its hold).
        from apps.service_data.services.billing import invoice_issue, payment_record

        invoice = invoice_issue(
            customer=customer,
            description="Pro plan",
            amount=Decimal("10"),
            due_on=organisation_today() + timedelta(days=14),
            actor=officer,
        )
        payment_record(
            invoice=invoice,
            processor="stripe",
            processor_reference="pi_matrix",
            amount=Decimal("10"),
            status="succeeded",
            method_summary="Visa •••• 4242",
            actor=officer,
        )
        # A row of every other kind the service holds about the customer.
        from tests.service_data import factories as service

        content_item = service.ContentItemFactory(owner=customer)
        service.SharedPostFactory(author=customer, picture=content_item)
        service.CalendarEntryFactory(owner=customer)
        service.LocationRecordFactory(owner=customer)
        service.ProductConfigurationFactory(owner=customer)
        service.UsageEventFactory(owner=customer)
        service.CallRecordFactory(owner=customer)
        service.SupportCommunicationFactory(customer=customer)
        from apps.service_data.models import OptionalKindRefusal

        OptionalKindRefusal.objects.create(subject=customer, kind="location")
    breach_open(
        title="Matrix breach",
        description="A laptop was lost.",
        aware_at=timezone.now() - timedelta(hours=1),
        officer=officer,
        contact_point="dpo@example.test",
        actor=officer,
    )
    now = timezone.now()
    PurgeRun.objects.create(
        triggered_by=PurgeRun.Trigger.SCHEDULE, status=PurgeRun.Status.COMPLETED, as_of=now, finished_at=now
    )
    app = SocialApp.objects.create(provider="google", name="Google", client_id="matrix", secret="s")
    account = SocialAccount.objects.create(user=customer, provider="google", uid="matrix-uid")
    SocialToken.objects.create(app=app, account=account, token="t")
    UserSession.objects.create(user=customer, session_key="matrix-session", ip="192.0.2.1", user_agent="Firefox")
    by_model = {}
    for model in admin.site._registry:
        row = model._default_manager.order_by("pk").first()
        if row is not None and hasattr(row, "history") and not row.history.exists():
            row.save()  # rows a data migration seeded have no history row yet
        by_model[model._meta.label] = row
    # The first account is the officer's: users are probed on a customer's, the common case
    # (staff accounts are changed by superusers only: tests/accounts/test_staff_access_admin.py).
    by_model["accounts.User"] = customer
    return Rows(customer, by_model, request_attachment, disclosure_attachment)


# --- Who is asking ------------------------------------------------------------------------------


def signed_in_client(role: str, request) -> Client:
    client = Client()
    if role == ANONYMOUS:
        return client
    if role == SUPERUSER:
        person = UserFactory(email="matrix-root@example.test", is_staff=True, is_superuser=True)
        add_authenticator(person)
    else:
        person = request.getfixturevalue(PERSONAS[role])
    return sign_in(client, person)


PERSONAS = {CUSTOMER: "customer", SUPPORT_AGENT: "support_agent", AUDITOR: "auditor", PRIVACY_OFFICER: "officer"}


# --- The URLs ----------------------------------------------------------------------------------


def admin_name(model) -> str:
    return f"{model._meta.app_label}_{model._meta.model_name}"


def url_arguments(name: str, route: str, row, rows: Rows) -> dict[str, Any]:
    """The arguments of one of the admin's own URLs, for the rows made above."""
    special = {
        "consent_evidence": {"reference": rows.customer.reference},
        "consent_receipt": {"reference": rows.customer.reference},
        "disclosures_staff_content": {"reference": rows.customer.reference},
        "disclosures_staff_picture": {"reference": rows.customer.reference},
        "disclosures_staff_end": {"reference": rows.customer.reference},
        "service_data_staff_file": {
            "reference": rows.customer.reference,
            "item": rows.by_model["service_data.ContentItem"].reference,
        },
        "subject_requests_subjectrequest_step": {"object_id": row.pk if row else 0, "code": "acknowledge"},
        "subject_requests_subjectrequest_attachment": {
            "object_id": rows.request_attachment.request_id,
            "attachment_id": rows.request_attachment.pk,
        },
        "disclosures_disclosure_attachment": {
            "object_id": rows.disclosure_attachment.disclosure_id,
            "reference": rows.disclosure_attachment.reference,
        },
    }
    if name in special:
        return special[name]
    keys = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
    if keys - {"object_id", "id"} or (not keys and "(" in route):
        raise AssertionError(f"{name}: say in url_arguments() what the arguments of {route} are")
    return {key: row.pk for key in keys}


@dataclass(frozen=True)
class Probe:
    key: str  # "<model label> <page or URL name>", as the table and the messages say it
    url: str
    allowed_get: frozenset[str]
    allowed_post: frozenset[str]


def probes(rows: Rows) -> list[Probe]:
    """Every admin URL, with who may open it (the table is complete: see table_gaps)."""
    found: list[Probe] = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        expected = ADMINS[label]
        row = rows.by_model[label]
        assert row is not None, f"make a row of {label} in one_of_each()"
        base = admin_name(model)
        standard = {
            "changelist": ([], expected.viewers, expected.viewers),
            "add": ([], expected.add, expected.add),
            "change": ([row.pk], expected.viewers, expected.change),
            "delete": ([row.pk], expected.delete, expected.delete),
            "history": ([row.pk], expected.history_readers, expected.history_readers),
        }
        for page, (args, get, post) in standard.items():
            found.append(Probe(f"{label} {page}", reverse(f"admin:{base}_{page}", args=args), get, post))
        for pattern in model_admin.get_urls():
            name = pattern.name
            if not isinstance(pattern, URLPattern) or name not in expected.views:
                continue
            if name.endswith("_simple_history"):  # simple-history's page of one past version
                url = reverse(f"admin:{name}", args=[row.pk, row.history.order_by("history_id").first().history_id])
            else:
                url = reverse(f"admin:{name}", kwargs=url_arguments(name, str(pattern.pattern), row, rows))
            view = expected.views[name]
            found.append(Probe(f"{label} {name}", url, view.get, view.posters))
    for item in site_views():
        page = SITE_VIEWS[item.name]
        kwargs = url_arguments(item.name, item.route, None, rows)
        found.append(Probe(f"site {item.name}", reverse(f"admin:{item.name}", kwargs=kwargs), page.get, page.posters))
    return found


def action_names(model_admin) -> list[str]:
    names = [name for name, _ in admin.site.actions] if model_admin.actions is not None else []
    names += [a if isinstance(a, str) else a.__name__ for a in model_admin.actions or ()]
    return names


def table_gaps() -> list[str]:
    """Models, pages and actions the admin has and the table does not, and the reverse."""
    gaps = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        expected = ADMINS.get(label)
        if expected is None:
            gaps.append(f"model admin {label}")
            continue
        standard = {f"{admin_name(model)}_{page}" for page in STANDARD_PAGES}
        names = {p.name for p in model_admin.get_urls() if isinstance(p, URLPattern) and p.name} - standard
        gaps += [f"view {name} of {label}" for name in sorted(names - set(expected.views))]
        gaps += [f"view {name} of {label} (no longer there)" for name in sorted(set(expected.views) - names)]
        actions = set(action_names(model_admin))
        gaps += [f"action {name} of {label}" for name in sorted(actions - set(expected.actions))]
        gaps += [f"action {name} of {label} (no longer there)" for name in sorted(set(expected.actions) - actions)]
    registered = {model._meta.label for model in admin.site._registry}
    gaps += [f"model admin {label} (not registered)" for label in sorted(set(ADMINS) - registered)]
    site_names = {item.name for item in site_views()}
    gaps += [f"site view {name}" for name in sorted(site_names - set(SITE_VIEWS))]
    gaps += [f"site view {name} (not registered)" for name in sorted(set(SITE_VIEWS) - site_names)]
    return gaps


def test_every_admin_page_and_action_has_an_entry_in_the_table():
    assert table_gaps() == [], "Say in tests/core/permission_matrix.py who may use:\n  " + "\n  ".join(table_gaps())


# --- What happened -----------------------------------------------------------------------------

LOGIN_PATHS = ("/admin/login/", "/accounts/login/")


def offered_actions(changelist) -> set[str]:
    form = changelist.context["action_form"] if passed(changelist) and changelist.context else None
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


def action_ran(response, changelist: str) -> bool:
    """Django runs only an action it offers; else it shows the list again, or says none was chosen.

    An action ends in its own page, a file, or a redirect back to the list with a message.
    """
    if not passed(response) or (response.status_code == 302 and response["Location"] != changelist):
        return False
    if response.status_code == 200 and "admin/change_list.html" in [t.name for t in response.templates]:
        return False
    return not any("No action selected" in str(m) for m in get_messages(response.wsgi_request))


def passed(response) -> bool:
    """The request got past the checks: a page, a form's errors, a redirect on success."""
    if response.status_code in (403, 404, 405) or response.status_code >= 500:
        return False
    if response.status_code in (301, 302):
        return not response["Location"].startswith(LOGIN_PATHS)
    return True


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_answers_each_role_as_the_table_says(role, request, officer, caplog):
    # Hundreds of refusals are expected here: not one logged traceback each.
    caplog.set_level(logging.ERROR, logger="django.request")
    client = signed_in_client(role, request)  # first: its session is a row the admin lists too
    rows = one_of_each(officer)
    assert table_gaps() == [], "Say in tests/core/permission_matrix.py who may use:\n  " + "\n  ".join(table_gaps())
    found = probes(rows)

    observed: dict[tuple[str, str], bool] = {}
    offered: dict[str, set[str]] = {}  # model label → the actions its list offers
    errors: list[str] = []
    for probe in found:
        for method in ("get", "post"):
            try:
                response = getattr(client, method)(probe.url)
            except Exception as error:  # collected: one run names every failing page
                errors.append(f"{probe.key} {method.upper()}: {error!r}")
                continue
            observed[probe.key, method] = passed(response)
            if probe.key.endswith(" changelist") and method == "get":
                offered[probe.key.removesuffix(" changelist")] = offered_actions(response)
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        changelist = reverse(f"admin:{admin_name(model)}_changelist")
        for name in action_names(model_admin):
            post = {"action": name, ACTION_CHECKBOX_NAME: [rows.by_model[label].pk], "index": 0}
            client.cookies.pop("messages", None)  # only this request's messages say whether it ran
            try:
                response = client.post(changelist, post)
            except Exception as error:
                errors.append(f"{label} action {name}: {error!r}")
                continue
            observed[f"{label} action {name}", "get"] = name in offered[label]
            observed[f"{label} action {name}", "post"] = action_ran(response, changelist)
    assert errors == [], f"as {role}:\n" + "\n".join(errors)

    differences = []
    for probe in found:
        for method, allowed in (("get", probe.allowed_get), ("post", probe.allowed_post)):
            if observed[probe.key, method] != (role in allowed):
                differences.append(f"{probe.key} {method.upper()}: the table says {role in allowed}")
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        declared: Admin = ADMINS[label]
        for name in action_names(model_admin):
            if name not in declared.actions:
                differences.append(f"{label} action {name}: no entry")
                continue
            allowed = role in declared.actions[name]
            for method, what in (("get", "offered"), ("post", "run")):
                if observed[f"{label} action {name}", method] != allowed:
                    differences.append(f"{label} action {name} ({what}): the table says {allowed}")
    assert differences == [], f"as {role}, unlike the table:\n" + "\n".join(differences)


# --- The Auditor reads ledgers and history, never the live customer record (issue 13) ----------


def test_no_admin_page_the_auditor_may_open_shows_a_live_customers_personal_data(request, officer):
    """Every page the table lets the Auditor open (lists, rows, history, versions, site pages),
    with one row of every model made for a customer whose details are all filled in: none shows
    their address, name, phone, postal address or the network address they signed in from."""
    client = signed_in_client(AUDITOR, request)
    rows = one_of_each(officer)
    customer = user_update_details(
        user=rows.customer,
        actor=rows.customer,
        full_name="Mira Matrixova",
        phone="+44 20 7946 0999",
        mailing_address="7 Ledger Lane, Hull",
    )
    LoginEventFactory(user=customer, ip_address="198.51.100.77")
    personal = [customer.email, customer.full_name, customer.phone, customer.mailing_address, "198.51.100.77"]

    opened, shown = 0, []
    for probe in probes(rows):
        if AUDITOR not in probe.allowed_get:
            continue
        response = client.get(probe.url, follow=True)
        assert response.status_code == 200, probe.key
        opened += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        page = body.decode(errors="replace")
        shown += [f"{probe.key}: {value}" for value in personal if value in page]
    assert opened > 20  # the walk reached the Auditor's pages, not a sign-in redirect
    assert shown == [], "The Auditor saw live personal data:\n" + "\n".join(shown)
