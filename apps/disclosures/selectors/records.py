"""Reads of the disclosure register for the people in it (P-22): Your Account → Disclosure records and the export.

A customer sees the disclosures about them: those linked to their account, and those
linked only by their pseudonymous reference (links recorded before the account link
existed, or kept after it was cleared). Withheld records are never shown in full: the
customer learns only that they exist and why they are withheld.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries.fields import Country

from apps.accounts.models import User
from apps.disclosures.models import Disclosure, DisclosureSubject
from apps.personal_data.domain import subject_reference
from apps.personal_data.registry import Category, ExportNote, ExportTable

VISIBLE = Disclosure.Visibility.VISIBLE
WITHHELD = Disclosure.Visibility.WITHHELD

# The columns of the CSV download and of the export's disclosures.json / tables/disclosures.csv.
# Machine-readable names, like the rest of the export; the page shows translated labels.
COLUMNS = (
    "reference",
    "disclosed_at",
    "recipient",
    "recipient_category",
    "recipient_country",
    "international_transfer",
    "transfer_safeguard",
    "data_categories",
    "description",
    "reason",
    "legal_basis",
    "corrects_record_of",
)


def disclosures_for_subject(*, user: User) -> QuerySet[Disclosure]:
    """Every disclosure about ``user`` (visible and withheld), newest first.

    Each row has ``is_corrected`` (a later entry amends it) annotated, and its recipient and
    amended entry joined, so listing them costs one query.
    """
    return (
        _about(user)
        .select_related("recipient", "amends")
        .annotate(is_corrected=Exists(Disclosure.objects.filter(amends=OuterRef("pk"))))
        .order_by("-disclosed_at", "-sequence")
    )


def _about(user: User) -> QuerySet[Disclosure]:
    links = DisclosureSubject.objects.filter(Q(subject=user) | Q(subject_reference=subject_reference(user)))
    return Disclosure.objects.filter(pk__in=links.values("disclosure_id"))


def visible_disclosures_for_subject(*, user: User) -> QuerySet[Disclosure]:
    return disclosures_for_subject(user=user).filter(visibility=VISIBLE)


def withheld_summary_for_subject(*, user: User) -> list[dict[str, Any]]:
    """What the customer may know of withheld records: how many, and why (grouped by reason).

    No date, recipient, description or reason of the disclosure itself.
    """
    rows = (
        _about(user)
        .filter(visibility=WITHHELD)
        .order_by()
        .values("withheld_reason")
        .annotate(count=Count("pk"))
        .order_by("withheld_reason")
    )
    return [{"reason": row["withheld_reason"], "count": row["count"]} for row in rows]


def category_labels(codes: Iterable[str]) -> list[str]:
    labels = dict(Category.choices)
    return [str(labels.get(code, code)) for code in codes]


def corrects_date(disclosure: Disclosure):
    """The date of the entry ``disclosure`` amends, unless that entry is withheld (then None)."""
    original = disclosure.amends
    if original is None or original.visibility == WITHHELD:
        return None
    return original.disclosed_at


def disclosure_row(disclosure: Disclosure) -> tuple[Any, ...]:
    """One visible record as a row in COLUMNS order (for CSV and the export)."""
    recipient = disclosure.recipient
    corrected = corrects_date(disclosure)
    return (
        str(disclosure.reference),
        disclosure.disclosed_at,
        recipient.name,
        recipient.get_category_display(),
        # django-stubs types a CountryField (a CharField) as str; it holds a Country.
        cast(Country, recipient.country).name,
        recipient.is_international,
        recipient.get_transfer_safeguard_display() if recipient.is_international else "",
        "; ".join(category_labels(disclosure.data_categories)),
        disclosure.description,
        disclosure.reason,
        disclosure.get_legal_basis_display(),
        corrected,
    )


def disclosure_rows_for_subject(*, user: User) -> Iterator[tuple[Any, ...]]:
    for disclosure in visible_disclosures_for_subject(user=user).iterator(chunk_size=500):
        yield disclosure_row(disclosure)


# --- The export (apps.personal_data.registry hooks, registered in DisclosuresConfig.ready) ---
# The staff access tables of the same export are selectors.access.export_tables.


def export_tables(subject: User) -> Iterator[ExportTable]:
    yield ExportTable(
        stem="disclosures",
        title=_("Disclosure records"),
        columns=COLUMNS,
        rows=lambda: disclosure_rows_for_subject(user=subject),
        labels=(
            _("Reference"),
            _("Disclosed on (UTC)"),
            _("Recipient"),
            _("Kind of recipient"),
            _("Recipient's country"),
            _("Sent abroad"),
            _("Transfer safeguard"),
            _("Kinds of data"),
            _("What was disclosed"),
            _("Why"),
            _("Legal basis"),
            _("Corrects record"),
        ),
    )


def export_notes(subject: User) -> Iterator[ExportNote]:
    withheld = withheld_summary_for_subject(user=subject)
    count = sum(row["count"] for row in withheld)
    if not count:
        return
    reasons = "; ".join(row["reason"] for row in withheld)
    text = ngettext(
        "There is %(count)d record of a disclosure of your data that we may not show you. "
        "The law allows us to tell you only that it exists and why: %(reasons)s",
        "There are %(count)d records of disclosures of your data that we may not show you. "
        "The law allows us to tell you only that they exist and why: %(reasons)s",
        count,
    ) % {"count": count, "reasons": reasons}
    yield ExportNote(category="", title=_("Withheld disclosure records"), text=text, count=count)
