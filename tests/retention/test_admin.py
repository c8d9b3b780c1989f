"""The retention admin: rules, legal holds, account deletions and purge runs, as each role sees them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.accounts.domain import AUDITOR, PRIVACY_OFFICER, SUPPORT_AGENT
from apps.accounts.services import staff_roles_sync as sync_staff_roles
from apps.core.clock import organisation_today
from apps.retention import services
from apps.retention.models import AccountDeletion, LegalHold, PurgeRun, RetentionRule
from apps.retention.tasks import purge_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LISTS = (
    "admin:retention_retentionrule_changelist",
    "admin:retention_legalhold_changelist",
    "admin:retention_purgerun_changelist",
    "admin:retention_accountdeletion_changelist",
    "admin:retention_purgerun_preview",
)


def hold_on(subject, officer, *, review_in=30, categories=None, reason=LegalHold.Reason.LITIGATION) -> LegalHold:
    return services.legal_hold_place(
        subject=subject,
        actor=officer,
        reason=reason,
        review_on=organisation_today() + timedelta(days=review_in),
        categories=categories,
        note="Case 2026/117",
    )


def finished_run(**progress) -> PurgeRun:
    now = timezone.now()
    return PurgeRun.objects.create(
        triggered_by=PurgeRun.Trigger.SCHEDULE,
        status=PurgeRun.Status.COMPLETED,
        as_of=now,
        started_at=now - timedelta(minutes=2),
        finished_at=now,
        progress=progress,
    )


def deletion_of(user, status=AccountDeletion.Status.SCHEDULED) -> AccountDeletion:
    return AccountDeletion.objects.create(
        subject=user, subject_reference=f"ref-{user.pk}", status=status, erase_after=timezone.now() + timedelta(days=14)
    )


# --- Who may do what -------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "expected"), [("officer", 200), ("auditor", 200), ("support_agent", 403)])
def test_it_shows_the_retention_pages_to_officers_and_auditors_only(client_as, persona, expected):
    client = client_as(persona)
    for name in LISTS:
        assert client.get(reverse(name)).status_code == expected, name


@pytest.mark.parametrize("persona", ["customer", "anonymous"])
def test_it_sends_non_staff_to_sign_in(client_as, persona):
    for name in LISTS:
        response = client_as(persona).get(reverse(name))
        assert response.status_code == 302
        assert "login" in response.url


@pytest.mark.parametrize(("persona", "expected"), [("officer", 200), ("auditor", 403), ("support_agent", 403)])
def test_only_officers_may_add_rules_and_holds_or_run_the_purge(client_as, persona, expected):
    client = client_as(persona)
    assert client.get(reverse("admin:retention_retentionrule_add")).status_code == expected
    assert client.get(reverse("admin:retention_legalhold_add")).status_code == expected
    assert client.get(reverse("admin:retention_purgerun_run")).status_code == expected


def test_the_roles_hold_the_retention_permissions():
    from django.contrib.auth.models import Group

    sync_staff_roles()

    def perms(role):
        group = Group.objects.get(name=role)
        return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    officer, auditor, support = perms(PRIVACY_OFFICER), perms(AUDITOR), perms(SUPPORT_AGENT)
    assert {
        "retention.view_retentionrule",
        "retention.add_retentionrule",
        "retention.change_retentionrule",
        "retention.view_legalhold",
        "retention.add_legalhold",
        "retention.change_legalhold",
        "retention.run_purge",
        "retention.view_purgerun",
        "retention.view_accountdeletion",
    } <= officer
    # Nothing in retention is deleted, and runs and deletions are written only by the purge.
    assert not {p for p in officer if p.startswith("retention.delete_")}
    assert "retention.change_purgerun" not in officer
    assert {"retention.view_retentionrule", "retention.view_legalhold", "retention.view_purgerun"} <= auditor
    assert all(p.split(".")[1].startswith("view_") for p in auditor if p.startswith("retention."))
    assert not {p for p in support if p.startswith("retention.")}


# --- Rules ---------------------------------------------------------------------------------------


def rule_form(rule: RetentionRule, **changes) -> dict:
    fields = (
        *("enabled", "order", "target", "category", "trigger", "period", "unit", "age_field", "action"),
        *("warning_days", "legal_basis", "title_en", "title_vi", "explanation_en", "explanation_vi"),
    )
    data = {name: getattr(rule, name) for name in fields}
    data.update(changes)
    if not data["enabled"]:
        data.pop("enabled")
    return data


def test_an_officer_changes_a_rule_and_the_history_names_them(client_as, officer):
    rule = RetentionRule.objects.get(code="login-history")
    client = client_as("officer")
    page = client.get(reverse("admin:retention_retentionrule_change", args=[rule.pk])).content.decode()
    assert "verified with counsel" in page

    response = client.post(reverse("admin:retention_retentionrule_change", args=[rule.pk]), rule_form(rule, period=18))

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.period == 18
    record = rule.history.first()
    assert record.history_user == officer
    assert record.period == 18


def test_a_rule_the_purge_could_not_carry_out_is_a_form_error(client_as):
    rule = RetentionRule.objects.get(code="login-history")
    client = client_as("officer")
    url = reverse("admin:retention_retentionrule_change", args=[rule.pk])

    wrong_field = client.post(url, rule_form(rule, age_field="no_such_field"))
    not_inactivity = client.post(url, rule_form(rule, warning_days="30,7"))
    bad_numbers = client.post(url, rule_form(rule, warning_days="soon"))

    for response in (wrong_field, not_inactivity, bad_numbers):
        assert response.status_code == 200
        assert response.context["adminform"].form.errors
    assert "Name a date field of this model" in wrong_field.content.decode()
    assert "Only inactivity rules send warnings" in not_inactivity.content.decode()
    rule.refresh_from_db()
    assert (rule.age_field, rule.warning_days) == ("occurred_at", "")


def test_rules_are_never_deleted_and_auditors_only_read_them(client_as):
    rule = RetentionRule.objects.first()
    assert client_as("officer").get(reverse("admin:retention_retentionrule_delete", args=[rule.pk])).status_code == 403
    auditor = client_as("auditor")
    assert auditor.get(reverse("admin:retention_retentionrule_change", args=[rule.pk])).status_code == 200
    assert (
        auditor.post(reverse("admin:retention_retentionrule_change", args=[rule.pk]), rule_form(rule)).status_code
        == 403
    )
    assert auditor.get(reverse("admin:retention_retentionrule_history", args=[rule.pk])).status_code == 200


def test_it_filters_and_searches_rules(client_as):
    client = client_as("officer")
    response = client.get(reverse("admin:retention_retentionrule_changelist"), {"trigger__exact": "account_inactive"})
    assert {r.trigger for r in response.context["cl"].result_list} == {"account_inactive"}
    response = client.get(reverse("admin:retention_retentionrule_changelist"), {"q": "login-history"})
    assert [r.code for r in response.context["cl"].result_list] == ["login-history"]


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


# --- Account deletions -------------------------------------------------------------------------------


def test_it_lists_account_deletions_read_only_with_a_status_filter(client_as, customer, other_customer):
    scheduled = deletion_of(customer)
    cancelled = deletion_of(other_customer, status=AccountDeletion.Status.CANCELLED)
    client = client_as("officer")

    response = client.get(reverse("admin:retention_accountdeletion_changelist"), {"status__exact": "cancelled"})
    assert [d.pk for d in response.context["cl"].result_list] == [cancelled.pk]
    assert client.get(reverse("admin:retention_accountdeletion_add")).status_code == 403
    page = client.get(reverse("admin:retention_accountdeletion_change", args=[scheduled.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert client.get(reverse("admin:retention_accountdeletion_delete", args=[scheduled.pk])).status_code == 403
    auditor_page = client_as("auditor").get(reverse("admin:retention_accountdeletion_changelist")).content.decode()
    assert customer.email not in auditor_page
    assert client_as("support_agent").get(reverse("admin:retention_accountdeletion_changelist")).status_code == 403


# --- Purge runs ----------------------------------------------------------------------------------


def test_it_lists_purge_runs_with_totals_in_a_fixed_number_of_queries(
    client_as, officer, django_assert_max_num_queries
):
    client = client_as("officer")
    client.get(reverse("admin:retention_purgerun_changelist"))
    finished_run(**{"login-history": {"deleted": 40, "held_back": 2, "done": True}})
    with django_assert_max_num_queries(30) as few:
        response = client.get(reverse("admin:retention_purgerun_changelist"))
    assert response.status_code == 200
    for index in range(10):
        run = finished_run(**{"login-history": {"deleted": index, "done": True}, "data-exports": {"errors": ["boom"]}})
        run.actor = officer
        run.triggered_by = PurgeRun.Trigger.ADMIN
        run.save()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("admin:retention_purgerun_changelist"))
    assert len(response.context["cl"].result_list) == 11
    assert "Preview next run" in response.content.decode()
    assert "Run now" in response.content.decode()
    assert "Run now" not in client_as("auditor").get(reverse("admin:retention_purgerun_changelist")).content.decode()


def test_a_run_page_shows_the_per_rule_table(client_as):
    run = finished_run(
        **{
            "login-history": {"deleted": 40, "held_back": 2, "done": True},
            "inactive-accounts": {"warned": 3, "erasures": 1, "done": True, "errors": ["ValueError: broken"]},
        }
    )
    response = client_as("auditor").get(reverse("admin:retention_purgerun_change", args=[run.pk]))
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.context["rule_rows"]}
    assert rows["login-history"]["counts"] == [40, 0, 0, 0, 2]
    assert rows["inactive-accounts"]["counts"] == [0, 0, 1, 3, 0]
    assert rows["inactive-accounts"]["errors"] == ["ValueError: broken"]
    page = response.content.decode()
    assert "ValueError: broken" in page
    assert 'http-equiv="refresh"' not in page


def test_a_running_runs_page_refreshes_and_shows_which_rules_are_done(client_as):
    now = timezone.now()
    run = PurgeRun.objects.create(
        triggered_by=PurgeRun.Trigger.ADMIN,
        as_of=now,
        lease_owner="worker",
        lease_expires_at=now + timedelta(minutes=5),
        progress={"login-history": {"deleted": 5, "done": True}, "data-exports": {"deleted": 1}},
    )
    response = client_as("officer").get(reverse("admin:retention_purgerun_change", args=[run.pk]))
    page = response.content.decode()
    assert 'http-equiv="refresh"' in page
    states = {row["code"]: str(row["state"]) for row in response.context["rule_rows"]}
    assert states["login-history"] == "done"
    assert states["data-exports"] == "in progress"
    enabled = set(RetentionRule.objects.filter(enabled=True).values_list("code", flat=True))
    assert {code for code, state in states.items() if state == "waiting"} == enabled - {"login-history", "data-exports"}


def test_the_preview_shows_what_the_next_run_would_take(client_as, officer, customer):
    from apps.accounts.models import LoginEvent
    from tests.factories import LoginEventFactory

    old = timezone.now() - timedelta(days=800)
    LoginEventFactory.create_batch(3, user=customer)
    LoginEvent.objects.update(occurred_at=old)
    LoginEventFactory(user=UserFactory(), occurred_at=old)
    hold_on(customer, officer, categories=["usage", "technical"])

    response = client_as("officer").get(reverse("admin:retention_purgerun_preview"))

    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["target"] == "accounts.LoginEvent")
    assert row["would_delete"] == 1
    assert row["held_back"] == 3
    assert row["rule"] in response.content.decode()
    assert not PurgeRun.objects.exists()


def test_run_now_queues_the_purge_after_a_confirmation(
    client_as, officer, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(purge_task, "delay", lambda *args, **kwargs: queued.append(kwargs))
    client = client_as("officer")
    url = reverse("admin:retention_purgerun_run")

    assert "Yes, run the purge now" in client.get(url).content.decode()
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    assert queued == [{"triggered_by": "admin", "actor_id": officer.pk}]
    assert "A purge run is queued" in response.content.decode()


def test_run_now_says_when_a_run_is_live_instead(client_as, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(purge_task, "delay", lambda *args, **kwargs: queued.append(kwargs))
    now = timezone.now()
    live = PurgeRun.objects.create(
        triggered_by=PurgeRun.Trigger.SCHEDULE, as_of=now, lease_owner="w", lease_expires_at=now + timedelta(minutes=5)
    )
    client = client_as("officer")
    url = reverse("admin:retention_purgerun_run")

    assert "already in progress" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.url == reverse("admin:retention_purgerun_change", args=[live.pk])
    assert queued == []
    assert "in progress" in client.get(reverse("admin:retention_purgerun_changelist")).content.decode()


@pytest.mark.parametrize("persona", ["auditor", "support_agent"])
def test_only_officers_may_run_the_purge(client_as, persona, monkeypatch):
    queued = []
    monkeypatch.setattr(purge_task, "delay", lambda *args, **kwargs: queued.append(kwargs))
    assert client_as(persona).post(reverse("admin:retention_purgerun_run")).status_code == 403
    assert queued == []


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


@time_machine.travel(NEW_YEAR_IN_HANOI, tick=False)
def test_it_tells_when_the_live_purge_started_on_the_organisations_clock(settings, client_as, monkeypatch):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    monkeypatch.setattr(purge_task, "delay", lambda *args, **kwargs: None)
    PurgeRun.objects.create(
        triggered_by=PurgeRun.Trigger.SCHEDULE,
        as_of=NEW_YEAR_IN_HANOI,
        started_at=NEW_YEAR_IN_HANOI - timedelta(minutes=5),
        lease_owner="w",
        lease_expires_at=NEW_YEAR_IN_HANOI + timedelta(minutes=5),
    )

    response = client_as("officer").post(reverse("admin:retention_purgerun_run"), follow=True)

    assert "already running (started 2027-01-01 00:25)" in response.content.decode()
