"""Bringing a register kept elsewhere (a spreadsheet, a processor's log) into the portal.

The file is checked whole before anything is written: every problem is reported with its
entry number, and one bad entry means nothing is imported. Good files go onto the chain in
file order under one lock, through the same service as entries typed into the admin.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.disclosures.models import Disclosure, Recipient
from apps.disclosures.services import disclosure_record_many

REQUIRED_COLUMNS = ("disclosed_at", "recipient", "subjects", "data_categories", "description", "reason", "legal_basis")
OPTIONAL_COLUMNS = ("external_reference", "requested_by", "withheld_reason")
MAX_ENTRIES = 50_000


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


def _when(value: str) -> datetime | None:
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime.combine(day, time(12, 0))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class _Lookups:
    """Recipients, accounts and legal bases, each fetched once for the whole file."""

    def __init__(self, rows: list[dict[str, str]]):
        # A register names tens of recipients, not thousands: all active ones, by name or reference.
        self.recipients = {}
        for recipient in Recipient.objects.filter(is_active=True):
            self.recipients[recipient.name.casefold()] = recipient
            self.recipients[str(recipient.reference)] = recipient
        emails = {e.lower() for row in rows for e in _split(row["subjects"])}
        accounts = User.objects.annotate(address=Lower("email")).filter(address__in=emails)
        self.accounts = {account.address: account for account in accounts}
        self.legal_bases = {value: value for value in Disclosure.LegalBasis.values}
        self.legal_bases.update({str(label).casefold(): value for value, label in Disclosure.LegalBasis.choices})

    def recipient(self, value: str) -> Recipient | None:
        return self.recipients.get(value.strip().casefold())


def read_register_csv(text: Iterable[str], *, refuse: Callable[[dict], str] | None = None) -> list[dict]:
    """Entries for ``disclosure_record_many`` from CSV lines; ValidationError lists every problem.

    ``refuse``, if given, is asked about each well-formed entry and returns why the caller will
    not take it ("" to take it): the admin refuses what one officer may not record alone.
    """
    reader = csv.DictReader(text)
    columns = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValidationError(_("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    reader.fieldnames = columns
    rows = []
    for row in reader:
        if len(rows) == MAX_ENTRIES:
            raise ValidationError(_("At most %(count)d entries per file.") % {"count": MAX_ENTRIES})
        rows.append({column: (row.get(column) or "").strip() for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)})
    if not rows:
        raise ValidationError(_("The file has no entries."))
    lookups = _Lookups(rows)
    entries, problems = [], []
    now = timezone.now()
    for position, row in enumerate(rows, start=1):
        found: list[str] = []
        disclosed_at = _when(row["disclosed_at"])
        if disclosed_at is None:
            found.append(_("the date %(value)r is not a date (use YYYY-MM-DD)") % {"value": row["disclosed_at"]})
        elif disclosed_at > now:
            found.append(_("the date is in the future"))
        recipient = lookups.recipient(row["recipient"])
        if recipient is None:
            found.append(_("no active recipient is called %(value)r") % {"value": row["recipient"]})
        subjects = []
        for email in _split(row["subjects"]):
            account = lookups.accounts.get(email.lower())
            if account is None:
                found.append(_("no account has the address %(value)r") % {"value": email})
            else:
                subjects.append(account)
        legal_basis = lookups.legal_bases.get(row["legal_basis"].casefold())
        if legal_basis is None:
            found.append(_("%(value)r is not a legal basis") % {"value": row["legal_basis"]})
        for column in ("description", "reason"):
            if not row[column]:
                found.append(_("the %(column)s is empty") % {"column": column})
        if found:
            problems.append(
                _("Entry %(position)d: %(problems)s.") % {"position": position, "problems": "; ".join(found)}
            )
            continue
        withheld = row["withheld_reason"]
        entry = {
            "recipient": recipient,
            "subjects": subjects,
            "data_categories": _split(row["data_categories"]),
            "description": row["description"],
            "disclosed_at": disclosed_at,
            "reason": row["reason"],
            "legal_basis": legal_basis,
            "external_reference": row["external_reference"],
            "requested_by": row["requested_by"],
            "visibility": Disclosure.Visibility.WITHHELD if withheld else Disclosure.Visibility.VISIBLE,
            "withheld_reason": withheld,
        }
        if refuse is not None and (why := refuse(entry)):
            problems.append(_("Entry %(position)d: %(problems)s.") % {"position": position, "problems": why})
            continue
        entries.append(entry)
    if problems:
        raise ValidationError(problems)
    return entries


def import_register(data: bytes, *, actor: User, refuse: Callable[[dict], str] | None = None) -> list[Disclosure]:
    """Check a whole CSV file and append its entries in order; all or nothing (``refuse``: see above)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("The file is not UTF-8 text.")) from error
    try:
        entries = read_register_csv(io.StringIO(text, newline=""), refuse=refuse)
    except csv.Error as error:
        raise ValidationError(_("The file is not valid CSV: %(error)s") % {"error": error}) from error
    return disclosure_record_many(entries, actor=actor)
