"""The complete right-of-access answer (GDPR Art. 15(1)-(2)) for one person: what we hold by
category, why, on what basis, for how long, from where, who receives it (processors too) and
under what safeguards abroad, the rights the person has and where to use them here, the
supervisory authority they may complain to, and automated decisions (none unless the registry
says so).

One generator, two renderings: the export's "Your rights and this data" page
(templates/personal_data/export/rights.html) and the access request's outcome, in plain text
(templates/personal_data/rights.txt). Both are built in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.personal_data.registry import (
    Authority,
    Category,
    DataSubjects,
    Entry,
    LegalBasis,
    RecipientInfo,
    RetentionInfo,
    authority_for,
    controller,
    entries,
    recipients,
    retention_rules,
)
from apps.personal_data.selectors.processing import retention_words, third_country, transfer_words


@dataclass
class CategoryStatement:
    code: str
    label: str
    holds: list[str]  # what the rows are called
    purposes: list[str]  # "purpose (basis)"
    retention: list[str]
    sources: list[str]  # where the data comes from when not from the person


@dataclass
class Right:
    title: str
    text: str
    url: str
    link: str  # the link's words


@dataclass
class RightsStatement:
    controller: Any
    categories: list[CategoryStatement]
    recipients: list[RecipientInfo]
    recipient_categories: list[str]
    transfers: list[str]
    rules: list[RetentionInfo]
    rights: list[Right]
    authority: Authority | None
    automated_decisions: list[str]  # empty: none
    address_line: str = ""  # the controller's address on one line (the plain-text rendering)


def _unique(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v and str(v).strip()))


def _about_the_person(entry: Entry) -> bool:
    # Staff records are not the customer's; a legal hold is not told (it could tip off a dispute).
    if entry.data_subjects == DataSubjects.STAFF:
        return False
    return not all(f.legal_basis == LegalBasis.LEGAL_CLAIM for f in entry.fields)


def _link(name: str, **kwargs: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)


def _rights() -> list[Right]:
    def request(kind: str) -> str:
        return _link("subject_requests:new_type", request_type=kind)

    return [
        Right(
            _("Access and a portable copy"),
            _("You may ask for a copy of your data at any time, also in machine-readable files."),
            _link("personal_data:data"),
            _("Your data"),
        ),
        Right(
            _("Rectification"),
            _(
                "You may have wrong or incomplete data corrected. Change your details yourself, or ask us to "
                "correct anything else."
            ),
            request("rectification"),
            _("Ask us to correct your data"),
        ),
        Right(
            _("Erasure"),
            _(
                "You may have your data erased, unless the law requires us to keep some of it (we say what and "
                "for how long). You can delete your account yourself, or ask us."
            ),
            request("erasure"),
            _("Ask us to erase your data"),
        ),
        Right(
            _("Restriction of processing"),
            _(
                "While we check your data or your objection, or when you need the data kept for a legal claim, "
                "you may ask us to keep it but use it no further."
            ),
            request("restriction"),
            _("Ask us to restrict processing"),
        ),
        Right(
            _("Objection"),
            _(
                "You may object to processing based on our legitimate interests, and at any time to direct "
                "marketing, which then stops."
            ),
            request("objection"),
            _("Object to processing"),
        ),
        Right(
            _("Withdrawing consent"),
            _("Where we rely on your consent, you may withdraw it at any time; this does not undo past processing."),
            _link("consent:choices"),
            _("Your privacy choices"),
        ),
    ]


def rights_statement(subject: Any, *, authority: Authority | None = None) -> RightsStatement:
    """The answer for ``subject``, in the active language. ``authority``: the one named by the law
    a request is under (a subject request's jurisdiction); by default, the one for the person's
    country (registry.register_authority)."""
    who = controller()
    home = (who.country or "") if who is not None else ""
    rules = retention_rules()
    bases = dict(LegalBasis.choices)
    about = [entry for entry in entries() if _about_the_person(entry)]
    categories = []
    for category in Category:
        group = [(entry, [f for f in entry.fields if f.category == category]) for entry in about]
        group = [(entry, fields) for entry, fields in group if fields]
        if not group:
            continue
        purposes = []
        for entry, fields in group:
            basis = _unique(str(bases.get(f.legal_basis or "", f.legal_basis)) for f in fields)
            purposes.append(f"{entry.purpose} ({', '.join(basis)})")
        retention = [
            f"{entry.person_title}: {words}"
            for entry, fields in group
            for words in retention_words(entry, fields, rules)
        ]
        categories.append(
            CategoryStatement(
                code=category.value,
                label=str(category.label),
                holds=_unique(entry.person_title for entry, _fields in group),
                purposes=_unique(purposes),
                retention=_unique(retention),
                sources=_unique(f"{entry.person_title}: {entry.source}" for entry, _fields in group if entry.source),
            )
        )
    found = recipients()
    return RightsStatement(
        controller=who,
        categories=categories,
        recipients=found,
        recipient_categories=_unique(r.kind for r in found),
        transfers=[transfer_words(r, home) for r in found if third_country(r, home)],
        rules=rules,
        rights=_rights(),
        authority=authority if authority is not None else authority_for(subject),
        automated_decisions=_unique(entry.automated_decision for entry in about),
        address_line=", ".join(line.strip() for line in (who.address if who else "").splitlines() if line.strip()),
    )


def rights_text(statement: RightsStatement) -> str:
    """The plain-text rendering: the access request's outcome."""
    return render_to_string("personal_data/rights.txt", {"statement": statement}).strip() + "\n"
