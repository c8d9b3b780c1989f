"""Writes of the people affected: an officer's list read from CSV, and freezing the set found."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Func
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.breaches.models import AffectedPerson, AffectedSet, Breach
from apps.breaches.selectors.people import Selection, affected_people, jurisdiction_expression
from apps.core.actors import SystemActor, actor_label, record_actor
from apps.personal_data.domain import subject_reference

MAX_UPLOAD_ROWS = 200_000
FREEZE_BATCH = 5_000
MAX_ACCOUNT_ID = 2**63 - 1


def accounts_from_csv(data: bytes | str) -> list[int]:
    """The accounts an officer listed, one a row: an email address, an account reference (UUID) or
    an account id, in the first column (a header row is allowed). Every row must name an account:
    one bad row refuses the whole list, each bad row named, so nothing is frozen half right."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text (save it as CSV, UTF-8).")) from None
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row and any(cell.strip() for cell in row)]
    except csv.Error as error:  # a quoted cell past the reader's size limit, a NUL byte...
        raise ValidationError(_("The file is not a CSV this page can read: %(error)s") % {"error": error}) from None
    if rows and rows[0][0].strip().lower() in {"account", "email", "id", "reference"}:
        rows = rows[1:]
    if not rows:
        raise ValidationError(_("The file lists no accounts."))
    if len(rows) > MAX_UPLOAD_ROWS:
        raise ValidationError(_("At most %(max)d rows in one file.") % {"max": MAX_UPLOAD_ROWS})
    emails, references, ids = {}, {}, {}
    errors = []
    for number, row in enumerate(rows, start=1):
        value = row[0].strip()
        if "@" in value:
            emails[value.lower()] = number
        elif value.isdecimal():
            # isdecimal, not isdigit: "²" is a digit that int() refuses. An id beyond the column's
            # range names no account, but would make the database refuse the query.
            pk = int(value)
            if 0 < pk <= MAX_ACCOUNT_ID:
                ids[pk] = number
            else:
                errors.append(_("Row %(row)d: no account matches it.") % {"row": number})
        else:
            try:
                references[uuid.UUID(value)] = number
            except ValueError:
                errors.append(_("Row %(row)d: not an email address, account reference or id.") % {"row": number})
    found: dict[int, int] = {}
    for pk, email in User.objects.filter(email__in=list(emails)).values_list("pk", "email"):
        found[pk] = emails.pop(email.lower(), 0)
    # Addresses are unique whatever their case; the second query finds those typed in another case.
    for pk, email in (
        User.objects.annotate(lower=Func(F("email"), function="LOWER"))
        .filter(lower__in=list(emails))
        .values_list("pk", "email")
    ):
        found[pk] = emails.pop(email.lower(), 0)
    for pk, reference in User.objects.filter(reference__in=list(references)).values_list("pk", "reference"):
        found[pk] = references.pop(reference)
    for pk in User.objects.filter(pk__in=list(ids)).values_list("pk", flat=True):
        found[pk] = ids.pop(pk)
    for number in sorted([*emails.values(), *references.values(), *ids.values()]):
        errors.append(_("Row %(row)d: no account matches it.") % {"row": number})
    if errors:
        raise ValidationError(sorted(errors, key=lambda e: int(str(e).split(":")[0].split()[-1])))
    return sorted(found)


def _frozen_counts(affected: AffectedSet) -> dict:
    """Total and counts by jurisdiction and language of the rows frozen, in one query."""
    rows = affected.people.order_by().values("jurisdiction", "language").annotate(n=Count("pk"))
    by_jurisdiction: dict[str, int] = {}
    by_language: dict[str, int] = {}
    for row in rows:
        by_jurisdiction[row["jurisdiction"]] = by_jurisdiction.get(row["jurisdiction"], 0) + row["n"]
        by_language[row["language"]] = by_language.get(row["language"], 0) + row["n"]
    return {
        "total": sum(by_jurisdiction.values()),
        "by_jurisdiction": dict(sorted(by_jurisdiction.items())),
        "by_language": dict(sorted(by_language.items())),
    }


@dataclass(frozen=True)
class _Ref:
    reference: uuid.UUID


@transaction.atomic
def affected_set_freeze(*, breach: Breach, selection: Selection, actor: User | SystemActor) -> AffectedSet:
    """Find the people and freeze them: a countable set with its query, counts by jurisdiction
    and language, and each person by keyed reference (plus a link that their erasure clears)."""
    from apps.breaches.services.clocks import breach_clocks_sync

    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if not breach.is_open:
        raise ValidationError(_("A closed breach is kept as it was closed."))
    if breach.mailing_id is not None:
        raise ValidationError(_("The people have been notified: the set they were told from stays as it is."))
    found = affected_people(selection)
    # The counts are taken from the rows inserted, below: counted first, people who gained data of
    # these categories meanwhile would be frozen but not counted (or the other way round).
    affected = AffectedSet.objects.create(
        breach=breach,
        query=found.query,
        total=0,
        frozen_by=actor if isinstance(actor, User) else None,
        frozen_by_label=actor_label(actor),
    )
    rows = (
        found.people.order_by("pk")
        .annotate(jurisdiction_code=jurisdiction_expression())
        .values_list("pk", "reference", "jurisdiction_code", "preferred_language")
    )
    batch: list[AffectedPerson] = []
    for pk, reference, code, language in rows.iterator(chunk_size=FREEZE_BATCH):
        batch.append(
            AffectedPerson(
                affected_set=affected,
                subject_id=pk,
                subject_reference=subject_reference(_Ref(reference)),
                jurisdiction=code,
                language=language or settings.LANGUAGE_CODE,
            )
        )
        if len(batch) >= FREEZE_BATCH:
            AffectedPerson.objects.bulk_create(batch)
            batch = []
    AffectedPerson.objects.bulk_create(batch)
    counts = _frozen_counts(affected)
    affected.total = counts["total"]
    affected.by_jurisdiction = counts["by_jurisdiction"]
    affected.by_language = counts["by_language"]
    affected.save(update_fields=["total", "by_jurisdiction", "by_language"])
    breach.approx_people = counts["total"]
    record_actor(breach, actor=actor, reason=f"people affected found: {counts['total']}")
    breach.save(update_fields=["approx_people", "updated_at"])
    breach_clocks_sync(breach=breach, actor=actor)
    return affected


__all__ = ["accounts_from_csv", "affected_set_freeze"]
