"""Writes to the disclosure register (P-20..P-23). Every entry names who recorded it; none is ever edited.

Appends (``disclosure_record``, ``disclosure_record_many``, ``disclosure_import``) seal each
entry onto the hash chain (``domain``) before they commit; a correction is a new entry
(``disclosure_amend``); only how an entry is shown may change (``disclosure_set_visibility``).
Documents are added to entries (``disclosure_attach``), and the head is anchored daily
(``disclosure_anchor_head``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from apps.accounts.models import User
from apps.core.actors import record_actor
from apps.core.files import save_with_file
from apps.disclosures.domain import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    parse_register_csv,
    pending_link,
    sniffed_type,
)
from apps.disclosures.models import (
    ChainAnchor,
    ChainHead,
    Disclosure,
    DisclosureAttachment,
    DisclosureSubject,
    Recipient,
)
from apps.disclosures.selectors.recipients import partner_consent_given
from apps.disclosures.selectors.register import disclosure_correction_chain, register_import_entries
from apps.personal_data.domain import subject_reference
from apps.personal_data.registry import Category

logger = logging.getLogger(__name__)


def _lock_head(cursor) -> tuple[int, int, str]:
    """Lock the register's head row; (row id, sequence, entry hash)."""
    table = connection.ops.quote_name(ChainHead._meta.db_table)
    # SQLite has no FOR UPDATE: its transactions take the write lock when they begin.
    lock = connection.ops.for_update_sql() if connection.features.has_select_for_update else ""
    cursor.execute(f"SELECT id, sequence, entry_hash FROM {table} WHERE singleton {lock}".strip())  # noqa: S608
    row = cursor.fetchone()
    if row is None:
        # The first append ever; a concurrent first append fails on the unique singleton and retries.
        ChainHead.objects.get_or_create(singleton=True)
        return _lock_head(cursor)
    return row


# Rows sealed per statement: four parameters each, well under SQLite's limit on parameters.
SEAL_CHUNK = 200


def _seal(entries: Sequence[tuple[Disclosure, Sequence[str]]]) -> None:
    """Put inserted entries on the chain, in order: position, previous hash and own hash.

    The head's row lock is held from here to the commit and every writer waits for it, so the
    locked part is kept to one read, one write per 200 entries (three on SQLite, which has one
    writer at a time anyway) and hashing text serialised beforehand.
    """
    links = [pending_link(disclosure, references) for disclosure, references in entries]
    quote = connection.ops.quote_name
    entry_table = quote(Disclosure._meta.db_table)
    history_table = quote(Disclosure.history.model._meta.db_table)
    sealed_columns = "sequence = sealed.sequence, previous_hash = sealed.previous_hash, entry_hash = sealed.entry_hash"
    # Raw SQL because the ORM refuses updates of hashed columns, as it should everywhere else;
    # the names interpolated below come from model metadata, the values are parameters.
    # The creations' history rows carry the seal too, so history shows no later change of it.
    seal_entries = f"UPDATE {entry_table} SET {sealed_columns} FROM sealed WHERE {entry_table}.id = sealed.id"  # noqa: S608
    seal_history = (
        f"UPDATE {history_table} SET {sealed_columns} FROM sealed "  # noqa: S608
        f"WHERE {history_table}.id = sealed.id AND {history_table}.history_type = '+'"
    )
    move_head = f"UPDATE {quote(ChainHead._meta.db_table)} SET sequence = %s, entry_hash = %s WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        head_id, sequence, previous_hash = _lock_head(cursor)
        rows: list[int | str] = []
        for (disclosure, _), link in zip(entries, links, strict=True):
            sequence += 1
            disclosure.sequence, disclosure.previous_hash = sequence, previous_hash
            disclosure.entry_hash = previous_hash = link.hash_at(sequence, previous_hash)
            rows.extend((disclosure.pk, sequence, disclosure.previous_hash, disclosure.entry_hash))
        head: list[int | str] = [sequence, previous_hash, head_id]
        for start in range(0, len(rows), SEAL_CHUNK * 4):
            chunk = rows[start : start + SEAL_CHUNK * 4]
            values = ", ".join(["(%s, %s, %s, %s)"] * (len(chunk) // 4))
            sealed = f"WITH sealed(id, sequence, previous_hash, entry_hash) AS (VALUES {values})"
            if connection.vendor == "postgresql":
                # One round trip: data-modifying CTEs (the last chunk also moves the head).
                last = start + SEAL_CHUNK * 4 >= len(rows)
                tail, params = (
                    (f", h AS ({seal_history}) {move_head}", chunk + head) if last else (f" {seal_history}", chunk)
                )
                cursor.execute(f"{sealed}, e AS ({seal_entries}){tail}", params)
            else:
                cursor.execute(f"{sealed} {seal_entries}", chunk)
                cursor.execute(f"{sealed} {seal_history}", chunk)
        if connection.vendor != "postgresql":
            cursor.execute(move_head, head)


def _prepare(
    *,
    recipient: Recipient,
    subjects: Sequence[User],
    data_categories: Sequence[str],
    description: str,
    disclosed_at: datetime,
    reason: str,
    legal_basis: str,
    actor: User,
    external_reference: str = "",
    requested_by: str = "",
    approved_by: User | None = None,
    amends: Disclosure | None = None,
    visibility: str = Disclosure.Visibility.VISIBLE,
    withheld_reason: str = "",
    withheld_review_date: date | None = None,
    erased_subject_references: Sequence[str] = (),
) -> tuple[Disclosure, list[DisclosureSubject]]:
    """Check one entry and build it, unsaved, with its subject links; raise ValidationError."""
    errors: dict[str, str] = {}
    if not subjects and not erased_subject_references:
        errors["subjects"] = _("A disclosure is about at least one person.")
    unknown = sorted(set(data_categories) - set(Category.values))
    if not data_categories or unknown:
        errors["data_categories"] = _("Choose the categories of data disclosed.")
    if not recipient.is_active:
        errors["recipient"] = _("This recipient is no longer active.")
    if (
        not errors
        and legal_basis == Disclosure.LegalBasis.CONSENT
        and recipient.category == Recipient.Category.MARKETING_PARTNER
    ):
        missing = [s for s in subjects if not partner_consent_given(subject=s, recipient=recipient)]
        if missing:
            errors["legal_basis"] = _(
                "%(count)d of the subjects have not consented to sharing with this partner (P-20)."
            ) % {"count": len(missing)}
    if errors:
        raise ValidationError(errors)

    disclosure = Disclosure(
        recipient=recipient,
        data_categories=sorted(set(data_categories)),
        description=description.strip(),
        disclosed_at=disclosed_at,
        reason=reason.strip(),
        legal_basis=legal_basis,
        external_reference=external_reference.strip(),
        requested_by=requested_by.strip(),
        approved_by=approved_by,
        recorded_by=actor,
        amends=amends,
        visibility=visibility,
        withheld_reason=withheld_reason.strip(),
        withheld_review_date=withheld_review_date,
    )
    # Uniqueness of sequence, hash and reference is the database's to enforce. The related
    # objects are instances already, so their existence is not re-queried, and the one check
    # constraint is checked here in Python rather than by a query of its own.
    if disclosure.visibility == Disclosure.Visibility.WITHHELD and not disclosure.withheld_reason:
        raise ValidationError({"withheld_reason": _("Say why the record is withheld from the subject.")})
    disclosure.full_clean(
        exclude=["sequence", "previous_hash", "entry_hash", "recipient", "recorded_by", "approved_by", "amends"],
        validate_unique=False,
        validate_constraints=False,
    )
    record_actor(disclosure, actor=actor, reason="recorded disclosure")
    by_reference = {subject_reference(s): s for s in subjects}
    references = sorted(set(by_reference) | set(erased_subject_references))
    links = [
        DisclosureSubject(disclosure=disclosure, subject=by_reference.get(r), subject_reference=r) for r in references
    ]
    return disclosure, links


def _append(prepared: Sequence[tuple[Disclosure, list[DisclosureSubject]]]) -> list[Disclosure]:
    # The entries and their history rows are written before the head is locked, so concurrent
    # appends overlap in everything but the seal; the seal commits with them or not at all.
    entries = bulk_create_with_history([disclosure for disclosure, _ in prepared], Disclosure)
    for disclosure, links in prepared:
        for link in links:
            link.disclosure = disclosure  # now with its primary key
    DisclosureSubject.objects.bulk_create(link for _, links in prepared for link in links)
    _seal([(disclosure, [link.subject_reference for link in links]) for disclosure, links in prepared])
    return entries


@transaction.atomic
def disclosure_record(**fields) -> Disclosure:
    """Append one disclosure (about one or many subjects) to the register.

    The fields are ``_prepare``'s. ``erased_subject_references`` name subjects whose accounts
    are gone (an amendment of an entry about an erased person keeps them by their
    pseudonymous reference).
    """
    [entry] = _append([_prepare(**fields)])
    return entry


@transaction.atomic
def disclosure_record_many(entries: Sequence[dict], *, actor: User) -> list[Disclosure]:
    """Append many entries in the given order under one lock: imports and integrations.

    All or nothing: any invalid entry raises a ValidationError naming each bad entry by its
    1-based position, and nothing is written.
    """
    prepared: list[tuple[Disclosure, list[DisclosureSubject]]] = []
    problems: list[str] = []
    for position, fields in enumerate(entries, start=1):
        try:
            prepared.append(_prepare(actor=actor, **fields))
        except ValidationError as error:
            problems.extend(
                _("Entry %(position)d: %(problem)s") % {"position": position, "problem": message}
                for message in error.messages
            )
    if problems:
        raise ValidationError(problems)
    return _append(prepared) if prepared else []


def disclosure_import(*, data: bytes, actor: User, refuse: Callable[[dict], str] | None = None) -> list[Disclosure]:
    """Check a whole CSV file and append its entries in file order; all or nothing.

    A register kept elsewhere (a spreadsheet, a processor's log) goes onto the chain under one
    lock, through the same checks as entries typed into the admin. The file is checked whole
    before anything is written: every problem is reported with its entry number. ``refuse``:
    see ``selectors.register.register_import_entries``.
    """
    # Read and resolved before the transaction: on SQLite a transaction holds the write lock from its start.
    entries = register_import_entries(parse_register_csv(data), refuse=refuse)
    with transaction.atomic(durable=True):
        return disclosure_record_many(entries, actor=actor)


@transaction.atomic(durable=True)
def disclosure_amend(*, original: Disclosure, actor: User, correction: str, **changes) -> Disclosure:
    """Correct an entry by appending a new one that points at it; the original stays as it was."""
    if not correction.strip():
        raise ValidationError({"correction": _("Say what the amendment corrects.")})
    fields = {
        "recipient": original.recipient,
        "subjects": [link.subject for link in original.subjects.select_related("subject") if link.subject],
        "erased_subject_references": [
            link.subject_reference for link in original.subjects.all() if link.subject_id is None
        ],
        "data_categories": original.data_categories,
        "description": original.description,
        "disclosed_at": original.disclosed_at,
        "reason": original.reason,
        "legal_basis": original.legal_basis,
        "external_reference": original.external_reference,
        "requested_by": original.requested_by,
        "approved_by": original.approved_by,
        "visibility": original.visibility,
        "withheld_reason": original.withheld_reason,
        "withheld_review_date": original.withheld_review_date,
    }
    fields.update(changes)
    fields["reason"] = f"{fields['reason']}\n\nAmends #{original.sequence}: {correction.strip()}"
    return disclosure_record(actor=actor, amends=original, **fields)


@transaction.atomic(durable=True)
def disclosure_set_visibility(
    *,
    disclosure: Disclosure,
    actor: User,
    visibility: str,
    withheld_reason: str = "",
    withheld_review_date: date | None = None,
) -> Disclosure:
    """Show an entry to its subjects, or withhold it with the legal reason (P-22)."""
    disclosure.visibility = visibility
    disclosure.withheld_reason = withheld_reason.strip() if visibility == Disclosure.Visibility.WITHHELD else ""
    disclosure.withheld_review_date = withheld_review_date if visibility == Disclosure.Visibility.WITHHELD else None
    disclosure.full_clean()
    record_actor(disclosure, actor=actor, reason=f"visibility set to {visibility}")
    disclosure.save(update_fields=["visibility", "withheld_reason", "withheld_review_date"])
    if visibility == Disclosure.Visibility.WITHHELD:
        # An amendment repeats the recipient, date and description of the entry it corrects:
        # withholding one entry of a correction chain withholds the entries still shown in it.
        for related in disclosure_correction_chain(disclosure):
            if related.visibility == Disclosure.Visibility.VISIBLE:
                related.visibility = visibility
                related.withheld_reason = disclosure.withheld_reason
                related.withheld_review_date = disclosure.withheld_review_date
                related.full_clean()
                record_actor(related, actor=actor, reason=f"withheld with #{disclosure.sequence}")
                related.save(update_fields=["visibility", "withheld_reason", "withheld_review_date"])
    return disclosure


@transaction.atomic(durable=True)
def disclosure_attach(*, disclosure: Disclosure, upload, actor: User) -> DisclosureAttachment:
    """Keep a document (the order, the letter) with an entry, in private storage."""
    size = upload.size or 0
    if size == 0 or size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("Attach a file of up to 20 MB.")})
    upload.seek(0)
    content_type = sniffed_type(upload.read(2048))
    if content_type is None:
        raise ValidationError({"file": _("Attach a PDF, PNG, JPEG or plain-text file.")})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = DisclosureAttachment(
        disclosure=disclosure,
        original_name=(upload.name or "attachment")[:200],
        content_type=content_type,
        size_bytes=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    save_with_file(attachment, "file", f"attachment{ATTACHMENT_TYPES[content_type]}", upload)
    return attachment


@transaction.atomic(durable=True)
def disclosure_anchor_head() -> ChainAnchor:
    """Write the current head hash down (daily): a truncated register then fails verification."""
    with connection.cursor() as cursor:
        _, sequence, entry_hash = _lock_head(cursor)
    anchor = ChainAnchor(sequence=sequence, entry_hash=entry_hash)
    anchor.full_clean()
    anchor.save()
    logger.info("disclosure register head #%s %s", anchor.sequence, anchor.entry_hash)
    return anchor
