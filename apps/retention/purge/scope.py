"""Which data each retention rule takes now, what legal holds keep back, and the preview.

Reads only: the purge (actions.py) carries out what these selections return, and the
admin's preview page and ``purge --dry-run`` show their counts. What kind of rule each is
(``kind_of``) and which rules can be carried out at all (``validate_rule``) are plain rules
in ``apps/retention/domain.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from apps.accounts.models import User
from apps.personal_data.domain import subject_reference
from apps.personal_data.models import ErasureRun
from apps.personal_data.registry import Entry
from apps.retention.domain import (
    RetentionScope,
    age_field,
    anonymise_plan,
    has_reference,
    kind_of,
    rule_entry,
    subject_path,
)
from apps.retention.models import AccountDeletion, InactivityNotice, LegalHold, RetentionRule

if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import WithAnnotations


def retention_scope(rule: RetentionRule) -> RetentionScope:
    entry = rule_entry(rule.target)
    hook = getattr(entry.model, "retention_scope", None) if entry is not None else None
    return hook(rule.trigger) if hook is not None else RetentionScope()


# --- Holds ---------------------------------------------------------------------------------------


def rule_categories(rule: RetentionRule) -> set[str]:
    """The data categories a rule touches: its own, and those of every field it deletes or changes.

    A hold on any of them keeps the subject's data out of the rule, so a hold on "usage"
    keeps login history (login times are usage) although the rule is filed under "technical".
    """
    categories = {str(rule.category)}
    entry = rule_entry(rule.target)
    if entry is None:
        return categories
    if kind_of(rule) == "closed_accounts":
        touched = {"email", "date_joined"}
    elif kind_of(rule) == "rows" and rule.action == RetentionRule.Action.ANONYMISE:
        # updates is keyed by column attname ("subject_id"); get_field knows both names.
        touched = {entry.model._meta.get_field(name).name for name in anonymise_plan(entry).updates}
    else:
        touched = {f.name for f in entry.fields}
    categories |= {str(f.category) for f in entry.fields if f.name in touched}
    # The related rows that go with them (a request's messages): their categories too.
    for related in retention_scope(rule).related:
        child = rule_entry(related.target)
        categories |= {str(f.category) for f in child.fields} if child is not None else set()
    return categories


def _held_subjects(categories: set[str]) -> list[User]:
    holds = LegalHold.objects.filter(released_at__isnull=True).select_related("subject")
    return list({h.subject_id: h.subject for h in holds if any(h.covers(c) for c in categories)}.values())


def _held_q(entry: Entry, held: list[User]) -> models.Q | None:
    if not held:
        return None
    parts = [entry.subject_q(user) for user in held]
    if has_reference(entry):
        parts.append(models.Q(subject_reference__in=[subject_reference(user) for user in held]))
    return reduce(or_, parts)


# --- Which rows and accounts a rule takes now ---------------------------------------------------


def _closed_accounts(cutoff: datetime) -> models.QuerySet:
    return User._base_manager.filter(status=User.Status.CLOSED, closed_at__lt=cutoff, is_active=False)


def rows_due(rule: RetentionRule, now: datetime) -> tuple[models.QuerySet, models.QuerySet]:
    """(rows the rule takes, rows it would take but legal holds keep back) for a "rows" rule."""
    entry = rule_entry(rule.target)
    assert entry is not None
    rows = entry.model._base_manager.all()
    cutoff = rule.cutoff(now)
    if rule.trigger == RetentionRule.Trigger.ACCOUNT_CLOSED:
        closed = _closed_accounts(cutoff)
        parts = []
        if subject_path(entry):
            parts.append(models.Q(**{f"{entry.subject}__in": closed.values("pk")}))
        if has_reference(entry):
            # Erased accounts' rows keep only the pseudonymous reference; the erasure run maps it.
            references = ErasureRun.objects.filter(
                dry_run=False, subject_id__in=closed.values("pk"), status__in=["completed", "partial"]
            ).values("subject_reference")
            parts.append(models.Q(subject_reference__in=references))
        rows = rows.filter(reduce(or_, parts))
    else:
        rows = rows.filter(**{f"{age_field(rule)}__lt": cutoff})
    scope = retention_scope(rule)
    rows = rows.filter(scope.filter)
    if rule.action == RetentionRule.Action.ANONYMISE:
        # Rows already anonymised are not taken again each day. "Already" means the model's
        # own updates too: an invoice unlinked by an erasure still carries the name its tax
        # basis kept, which its 5-year rule blanks (Invoice.retention_scope). Values computed
        # per row or at run time (expressions) cannot be compared, and say nothing here.
        done = models.Q()
        targets = {**anonymise_plan(entry).updates}
        targets.update({k: v for k, v in scope.updates.items() if not hasattr(v, "resolve_expression")})
        for attname, value in targets.items():
            done &= models.Q(**{f"{attname}__isnull": True}) if value is None else models.Q(**{attname: value})
        rows = rows.exclude(done)
    held_q = _held_q(entry, _held_subjects(rule_categories(rule)))
    if held_q is None:
        return rows, rows.none()
    return rows.exclude(held_q), rows.filter(held_q)


def _last_activity() -> Greatest:
    # Any of: joined, signed in, seen (updated once a day by the middleware, P-43).
    return Greatest(
        Coalesce("last_seen_at", "date_joined"), Coalesce("last_login", "date_joined"), models.F("date_joined")
    )


class InactivityAnnotation(TypedDict):
    """What ``inactive_accounts`` adds to each account."""

    inactive_since: datetime  # the account's last activity (``_last_activity``)


if TYPE_CHECKING:
    InactiveUser: TypeAlias = WithAnnotations[User, InactivityAnnotation]


def inactive_accounts(
    rule: RetentionRule, now: datetime, *, within: timedelta = timedelta(0)
) -> models.QuerySet[InactiveUser]:
    """Customers' accounts whose inactivity reaches the rule's period by ``now + within``."""
    return (
        User._base_manager.filter(status=User.Status.ACTIVE, is_active=True, is_staff=False, is_superuser=False)
        .annotate(inactive_since=_last_activity())
        .filter(inactive_since__lte=rule.cutoff(now) + within)
    )


def fully_held(user_ids: list[int], category: str) -> set[int]:
    """Accounts under a hold on the whole account (its category, or everything): not erased at all."""
    return {user.pk for user in _held_subjects({category}) if user.pk in set(user_ids)}


def _notices(rule: RetentionRule, user: InactiveUser) -> list[InactivityNotice]:
    return list(
        InactivityNotice.objects.filter(rule=rule, subject=user, inactive_since=user.inactive_since).order_by(
            "-days_before"
        )
    )


def warning_due(rule: RetentionRule, user: InactiveUser, now: datetime) -> tuple[int, datetime] | None:
    """The next warning to send this account now, as (days before, purge date), if any."""
    sent = _notices(rule, user)
    sent_days = {n.days_before for n in sent}
    purge_on = max([n.purge_on for n in sent], default=user.inactive_since + rule.delta)
    for days in rule.warnings():
        if days in sent_days:
            continue
        if now >= purge_on - timedelta(days=days):
            return days, max(purge_on, now + timedelta(days=days))
        return None  # warnings go out in order: the earlier one is not due yet
    return None


def purge_due(rule: RetentionRule, user: InactiveUser, now: datetime) -> bool:
    """Due when every warning of this spell of inactivity went out and the last one's date has come."""
    sent = _notices(rule, user)
    if {n.days_before for n in sent} != set(rule.warnings()):
        return False
    purge_on = max([n.purge_on for n in sent], default=user.inactive_since + rule.delta)
    return now >= purge_on


def deletions_due(now: datetime) -> models.QuerySet:
    return AccountDeletion.objects.filter(
        models.Q(status=AccountDeletion.Status.SCHEDULED, erase_after__lte=now)
        | models.Q(status=AccountDeletion.Status.ERASING)
    ).select_related("subject")


def erasures_released() -> list[ErasureRun]:
    """Erasures that kept data back for holds since released: the pending deletion goes ahead.

    One query: partial erasures not superseded by a later erasure of the same subject, whose
    subject has no active hold now.
    """
    later = ErasureRun.objects.filter(subject_id=OuterRef("subject_id"), dry_run=False, pk__gt=OuterRef("pk"))
    held = LegalHold.objects.filter(subject_id=OuterRef("subject_id"), released_at__isnull=True)
    partial = ErasureRun.objects.filter(status=ErasureRun.Status.PARTIAL, dry_run=False)
    return list(partial.exclude(Exists(later)).exclude(Exists(held)).order_by("pk"))


def closed_accounts_due(rule: RetentionRule, now: datetime) -> tuple[models.QuerySet, models.QuerySet]:
    """Closed, erased accounts whose kept records' period has run out (P-41), and those held back."""
    due = _closed_accounts(rule.cutoff(now)).exclude(email__startswith="anonymised-")
    held = [user.pk for user in _held_subjects(rule_categories(rule))]
    return due.exclude(pk__in=held), due.filter(pk__in=held)


# --- The preview (dry run) ---------------------------------------------------------------------


def rules_to_run(rule_code: str = "") -> list[RetentionRule]:
    rules = RetentionRule.objects.filter(enabled=True)
    if rule_code:
        rules = RetentionRule.objects.filter(code=rule_code)
    return list(rules)


def purge_preview(*, rule_code: str = "", now: datetime | None = None) -> list[dict[str, Any]]:
    """Per rule, what a run now would delete, anonymise, erase or warn, and what holds keep back.

    Writes nothing. The admin's preview page and ``purge --dry-run`` show it.
    """
    now = now or timezone.now()
    rows = []
    for rule in rules_to_run(rule_code):
        counts = {"deleted": 0, "anonymised": 0, "erasures": 0, "warned": 0, "held_back": 0}
        kind = kind_of(rule)
        if kind == "rows":
            due, held = rows_due(rule, now)
            key = "deleted" if rule.action == RetentionRule.Action.DELETE else "anonymised"
            counts[key], counts["held_back"] = due.count(), held.count()
        elif kind == "closed_accounts":
            due, held = closed_accounts_due(rule, now)
            counts["anonymised"], counts["held_back"] = due.count(), held.count()
        elif kind == "account_deletions":
            counts["erasures"] = deletions_due(now).count() + len(erasures_released())
        else:
            candidates = list(inactive_accounts(rule, now, within=timedelta(days=max(rule.warnings(), default=0))))
            held_ids = fully_held([u.pk for u in candidates], rule.category)
            for user in candidates:
                if user.pk in held_ids:
                    counts["held_back"] += purge_due(rule, user, now)
                elif purge_due(rule, user, now):
                    counts["erasures"] += 1
                elif warning_due(rule, user, now):
                    counts["warned"] += 1
        rows.append(
            {
                "rule": rule.code,
                "target": rule.target,
                "action": rule.action,
                "cutoff": rule.cutoff(now).isoformat(),
                "would_delete": counts["deleted"],
                "would_anonymise": counts["anonymised"],
                "would_erase_accounts": counts["erasures"],
                "would_warn": counts["warned"],
                "held_back": counts["held_back"],
            }
        )
    return rows
