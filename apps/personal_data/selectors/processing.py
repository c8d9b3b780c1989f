"""The records of processing activities (GDPR Art. 30(1)), generated from the registry, the
controller's details, the recipients and the retention rules: one record per purpose.

Nothing here is typed by hand except the security-measures text the officer edits on the
organisation; a new registered model appears in the record the moment it is declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.personal_data.domain import EEA, third_country_transfer
from apps.personal_data.registry import (
    Action,
    Entry,
    LegalBasis,
    RecipientInfo,
    RetentionInfo,
    controller,
    entries,
    recipients,
    retention_rules,
)


@dataclass
class ProcessingActivity:
    """One purpose and everything Art. 30(1)(b)-(g) asks about it."""

    purpose: str
    legal_bases: list[str]
    data_subjects: list[str]
    data_categories: list[str]  # the registry's categories, in words
    fides_categories: list[str]  # the same, as fideslang leaves
    records: list[str]  # what the rows are called
    recipients: list[str]  # "name (kind, country)"
    recipient_categories: list[str]
    transfers: list[str]  # "name, country: safeguard"
    time_limits: list[str]
    models: list[str] = field(default_factory=list)  # the registry's labels, for officers


@dataclass
class RecordsOfProcessing:
    generated_at: Any
    controller: Any  # ControllerIdentity or None
    security_measures: str
    activities: list[ProcessingActivity]

    @property
    def complete(self) -> bool:
        """Every Art. 30(1) item filled: controller and DPO contacts, security measures, and for
        every purpose its basis, subjects, categories and time limits."""
        who = self.controller
        return bool(
            who
            and who.name
            and who.contact_email
            and (who.dpo_email or who.dpo_name)
            and self.security_measures.strip()
            and self.activities
            and all(a.legal_bases and a.data_subjects and a.data_categories and a.time_limits for a in self.activities)
        )

    def as_dict(self) -> dict[str, Any]:
        who = self.controller
        return {
            "generated_at": self.generated_at.isoformat(),
            "controller": None
            if who is None
            else {
                "name": who.name,
                "company_number": who.company_number,
                "address": who.address,
                "country": who.country,
                "contact_name": who.contact_name,
                "contact_email": who.contact_email,
                "phone": who.phone,
                "dpo_name": who.dpo_name,
                "dpo_email": who.dpo_email,
            },
            "security_measures": self.security_measures,
            "activities": [activity.__dict__ for activity in self.activities],
        }


def _unique(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v and str(v).strip()))


def _basis_words(value: str) -> str:
    return str(dict(LegalBasis.choices).get(value, value))


def _uk_adequate(home: str, country: str) -> bool:
    return home == "GB" and country in EEA


def third_country(recipient: RecipientInfo, home: str) -> bool:
    """A transfer abroad: the recipient is outside the controller's country (the EEA as one for
    a controller in it). Without the controller's or the recipient's country, a recorded
    safeguard says the officer saw a transfer."""
    if not (home and recipient.country_code):
        return bool(recipient.safeguard)
    return third_country_transfer(home, recipient.country_code)


def transfer_words(recipient: RecipientInfo, home: str = "") -> str:
    if recipient.safeguard:
        safeguard = recipient.safeguard
    elif _uk_adequate(home, recipient.country_code):
        safeguard = _("Adequacy decision")  # the UK's regulations: no other safeguard needed
    else:
        safeguard = _("no safeguard recorded")
    return _("%(name)s, %(country)s: %(safeguard)s") % {
        "name": recipient.name,
        "country": recipient.country,
        "safeguard": safeguard,
    }


def recipient_words(recipient: RecipientInfo) -> str:
    return f"{recipient.name} ({recipient.kind}, {recipient.country})"


def retention_words(entry: Entry, fields: list, rules: list[RetentionInfo]) -> list[str]:
    """How long ``fields`` of ``entry`` are kept, in words: the retention rules on the model where
    there are any (they are what the purge carries out), plus what erasure keeps and for how
    long; else the registry's words for each field."""
    on_model = [f"{rule.title}: {rule.period}" for rule in rules if rule.target == entry.label]
    if on_model:
        kept = [f.retention for f in fields if f.action == Action.KEEP]
        return _unique([*on_model, *kept])
    return _unique(f.retention for f in fields)


def time_limits(group: list[Entry], rules: list[RetentionInfo]) -> list[str]:
    """The time limits of a purpose's models (Art. 30(1)(f))."""
    return _unique(words for entry in group for words in retention_words(entry, list(entry.fields), rules))


def recipients_of(found: list[RecipientInfo], categories: set[str]) -> list[RecipientInfo]:
    """The recipients of a purpose whose data is of ``categories``: those whose register entry
    names a category among them, and those that name none (the register does not say what they
    receive, so the record must not leave them out)."""
    return [r for r in found if not r.categories or categories.intersection(r.categories)]


def records_of_processing() -> RecordsOfProcessing:
    """The record, in the active language (purposes and words come from the registry's translations)."""
    who = controller()
    home = (who.country or "") if who is not None else ""
    found = recipients()
    rules = retention_rules()
    purposes: dict[str, list[Entry]] = {}
    for entry in entries():
        purposes.setdefault(str(entry.purpose), []).append(entry)
    activities = []
    for purpose, group in purposes.items():
        fields = [personal for entry in group for personal in entry.fields]
        receiving = recipients_of(found, {str(f.category) for f in fields})
        activities.append(
            ProcessingActivity(
                purpose=purpose,
                legal_bases=_unique(_basis_words(f.legal_basis or "") for f in fields),
                data_subjects=_unique(entry.data_subjects.label for entry in group),
                data_categories=_unique(f.category.label for f in sorted(fields, key=lambda f: f.category)),
                fides_categories=sorted(_unique(f.fides_category for f in fields)),
                records=_unique(entry.person_title for entry in group),
                recipients=[recipient_words(r) for r in receiving],
                recipient_categories=_unique(r.kind for r in receiving),
                transfers=[transfer_words(r, home) for r in receiving if third_country(r, home)],
                time_limits=time_limits(group, rules),
                models=[entry.label for entry in group],
            )
        )
    activities.sort(key=lambda a: a.purpose)
    return RecordsOfProcessing(
        generated_at=timezone.now(),
        controller=who,
        security_measures=(who.security_measures or "") if who is not None else "",
        activities=activities,
    )
