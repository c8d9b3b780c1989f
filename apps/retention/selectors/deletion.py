"""Reads of account deletion (P-32): the grace period, a customer's scheduled deletion, and
what deleting an account means, in plain words, for the Delete account page.

The writes (request, cancel, finish) are in ``apps/retention/services/deletion.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.personal_data.registry import Action, Category, LegalBasis, RetentionInfo, entries
from apps.retention.domain import kind_of
from apps.retention.models import AccountDeletion, RetentionRule
from apps.retention.selectors.rules import rules_for_customers

DEFAULT_GRACE = timedelta(days=14)


def grace_period() -> timedelta:
    """The ``account-deletion`` rule's period (editable by officers), else 14 days."""
    rule = RetentionRule.objects.filter(code="account-deletion", enabled=True).first()
    if rule is None:
        return DEFAULT_GRACE
    now = timezone.now()
    return (now + rule.delta) - now


def scheduled_deletion_of(user: User) -> AccountDeletion | None:
    if user.pk is None:
        return None
    return AccountDeletion.objects.filter(subject=user, status=AccountDeletion.Status.SCHEDULED).first()


# --- What deleting an account means, for the Delete account page (P-32) -------------------------


@dataclass(frozen=True)
class KeptRecord:
    """One kind of record kept after an account is erased: what it is, why, and for how long."""

    title: str
    explanation: str
    legal_basis: str
    period: str  # e.g. "5 years", "" when no rule sets one


# Plain words per data category for "what we erase" (the registry names the categories).
_ERASED_WORDS = {
    Category.IDENTITY: _("Your name and your public profile"),
    Category.CONTACT: _("Your email address, phone number and mailing address"),
    Category.ACCOUNT: _("Your account details and settings"),
    Category.USAGE: _("Your sign-in history and who and what you follow"),
    Category.TECHNICAL: _("The devices and IP addresses you signed in from"),
    Category.CONTENT: _("Your profile picture and the copies of your data you downloaded"),
    Category.FINANCIAL: _("Payment and financial details"),
    Category.PREFERENCES: _("Your privacy choices and your language"),
    Category.COMMUNICATIONS: _("Records of the emails we sent you"),
}

# Kept records no retention rule describes, in plain words; others fall back to the registry's words.
_KEPT_WORDS = {
    "retention.AccountDeletion": (
        _("A record of your request to delete your account"),
        _(
            "Kept as proof that we did what you asked; after the erasure it no longer names you. Your email "
            "address is kept only until we have emailed you that the deletion is done."
        ),
    ),
}


def duration_words(period: int, unit: str) -> str:
    """'14 days', '5 years' in the active language."""
    words: dict[str, str] = {
        RetentionRule.Unit.HOURS: ngettext("%(n)d hour", "%(n)d hours", period),
        RetentionRule.Unit.DAYS: ngettext("%(n)d day", "%(n)d days", period),
        RetentionRule.Unit.MONTHS: ngettext("%(n)d month", "%(n)d months", period),
        RetentionRule.Unit.YEARS: ngettext("%(n)d year", "%(n)d years", period),
    }
    return words.get(unit, f"%(n)d {unit}") % {"n": period}


def _describes_kept_records(rule: RetentionRule) -> bool:
    # The inactivity and deletion rules say when an account is erased, not how long what
    # erasure keeps stays; every other rule on a kept table does.
    return kind_of(rule) not in ("inactive_accounts", "account_deletions")


def erased_on_deletion() -> list[str]:
    """What the erasure at the end of the grace period removes, in plain words, from the registry."""
    categories = {
        personal_field.category
        for entry in entries()
        if entry.export  # what the customer can see in their own data; staff-only tables say nothing to them
        for personal_field in entry.fields
        if personal_field.action != Action.KEEP
    }
    return [str(_ERASED_WORDS.get(category, category.label)) for category in Category if category in categories]


def kept_after_deletion(rules: list[RetentionRule] | None = None) -> list[KeptRecord]:
    """What erasure keeps (the registry's KEEP fields), each with why and for how long.

    A kept table described by an enabled retention rule is shown with the rule's own title and
    explanation in the active language. A kept table the customer is never shown (the registry
    does not export it, e.g. legal holds: telling the subject could tip off a dispute) and no
    rule describes is left out.
    """
    rules = rules_for_customers() if rules is None else rules
    kept: list[KeptRecord] = []
    seen: set[str] = set()
    for entry in entries():
        fields = entry.kept_fields()
        if not fields:
            continue
        legal_basis = fields[0].legal_basis  # a kept field always has one (PersonalField checks)
        basis = str(dict(LegalBasis.choices).get(legal_basis, legal_basis)) if legal_basis else ""
        rule = next((r for r in rules if r.target == entry.label and _describes_kept_records(r)), None)
        if rule is not None:
            if rule.code in seen:
                continue
            seen.add(rule.code)
            kept.append(KeptRecord(rule.title(), rule.explanation(), basis, duration_words(rule.period, rule.unit)))
        elif entry.label in _KEPT_WORDS:
            title, explanation = _KEPT_WORDS[entry.label]
            kept.append(KeptRecord(str(title), str(explanation), basis, ""))
        elif entry.export:
            retention = "; ".join(dict.fromkeys(str(f.retention) for f in fields if f.retention))
            kept.append(KeptRecord(str(entry.purpose), retention, basis, ""))
    return kept


def rules_for_processing() -> list[RetentionInfo]:
    """The enabled rules in words, in the active language: the time limits the access answer and
    the records of processing give (registry.register_retention_rules)."""
    return [
        RetentionInfo(
            target=rule.target,
            category=rule.category,
            title=rule.title(),
            period=duration_words(rule.period, rule.unit),
            explanation=rule.explanation(),
        )
        for rule in rules_for_customers()
    ]
