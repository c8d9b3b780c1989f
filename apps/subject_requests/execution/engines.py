"""Access and portability (the export engine) and erasure (the erasure engine)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.clock import zone
from apps.core.jobs import RetryLater
from apps.subject_requests.execution.record import no_account
from apps.subject_requests.models import RequestType, SubjectRequest
from apps.subject_requests.registry import progress_of
from apps.subject_requests.selectors.jurisdictions import authority_of
from apps.subject_requests.services.execution import (
    SYSTEM,
    await_systems_first,
    complete,
    fail,
    in_language,
    lock,
    record_execution,
    worker_actor,
)

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
# --- Access and portability -------------------------------------------------------------------


def execute_export(request: SubjectRequest) -> SubjectRequest:
    from apps.personal_data.export.run import (
        export_build_here,
        export_ready_email_left_to_caller,
        export_request,
    )
    from apps.personal_data.models import DataExport
    from apps.personal_data.selectors.rights import rights_statement, rights_text

    if request.subject is None:
        return no_account(request)
    with transaction.atomic():
        locked = lock(request.pk)
        assert locked is not None
        assert locked.subject is not None
        if locked.status != Status.IN_PROGRESS:
            return locked
        known_id = ((locked.execution or {}).get("export") or {}).get("id")
        # The systems told of an access request answer into its export (apps/systems): it is
        # built once they all have, or an officer closed the silent ones.
        if known_id is None and (waiting := await_systems_first(locked)) is not None:
            return waiting
        export = DataExport.objects.filter(pk=known_id).first() if known_id is not None else None
        if export is None or export.status in (DataExport.Status.FAILED, DataExport.Status.EXPIRED):
            # A request that told systems gets an export of its own: one the person started
            # (pending or already running) would be built without their systems/ folders.
            own = any(progress.total for progress in progress_of(locked))
            try:
                export = export_request(
                    subject=locked.subject, actor=worker_actor(locked), enqueue=False, reuse_active=not own
                )
            except ValidationError as exc:
                error = "; ".join(exc.messages)
                return fail(locked, error=f"The export could not start: {error}")
            record_execution(locked.pk, export={"id": export.pk, "reference": str(export.reference)})
    # Outside the request's lock: the build can take minutes and keeps its own heartbeat.
    # The request's "complete" email carries the download link: the export sends none of its own.
    with export_ready_email_left_to_caller():
        export = export_build_here(export)  # at once when another delivery already built it
    if export.status != DataExport.Status.READY:
        return fail(request, error=f"Export {export.reference} is {export.status}: {export.last_error}")

    def outcome() -> str:
        # The subject reads it: in the zone of the rule their request is under, the zone named.
        where = zone(request.jurisdiction.timezone)
        expires = export.expires_at.astimezone(where).strftime("%Y-%m-%d %H:%M %Z") if export.expires_at else ""
        url = settings.SITE_URL.rstrip("/") + reverse("personal_data:data")
        if request.request_type == RequestType.PORTABILITY:
            text = _(
                "A copy of your data in machine-readable formats (JSON and CSV files in one ZIP archive) is ready "
                "to download on Your data until %(expires)s: %(url)s"
            )
            return text % {"expires": expires, "url": url}
        text = _(
            "A copy of your data, with a page explaining what each file holds, is ready to download on "
            "Your data until %(expires)s: %(url)s"
        )
        # The rest of the Art. 15 answer, in words: the same generator as the export's
        # "Your rights and this data" page.
        # The authority is the one of the law the request is under, not the account's country's.
        statement = rights_statement(request.subject, authority=authority_of(request.jurisdiction))
        return text % {"expires": expires, "url": url} + "\n\n" + rights_text(statement)

    return complete(request.pk, outcome=in_language(request, outcome), actor=SYSTEM, reason="Copy of the data ready")


# --- Erasure ----------------------------------------------------------------------------------


def execute_erasure(request: SubjectRequest) -> SubjectRequest:
    from apps.personal_data.erasure.checkpoint import FINISHED
    from apps.personal_data.erasure.run import erasure_carry_out_here, erasure_start
    from apps.personal_data.models import ErasureRun

    if request.subject is None:
        return no_account(request)
    with transaction.atomic():
        locked = lock(request.pk)
        assert locked is not None
        assert locked.subject is not None
        if locked.status != Status.IN_PROGRESS:
            return locked
        known_id = ((locked.execution or {}).get("erasure") or {}).get("id")
        run = ErasureRun.objects.filter(pk=known_id).first() if known_id is not None else None
        if run is None:
            run = erasure_start(
                subject=locked.subject,
                actor=worker_actor(locked),
                reason=f"Erasure request {locked.reference}",
                request_reference=str(locked.reference),
                queue=False,  # this worker erases now; a killed one is resumed from the checkpoint
            )
            record_execution(locked.pk, erasure={"id": run.pk, "reference": str(run.reference)})
    if run.status not in FINISHED:
        run = erasure_carry_out_here(run)  # batches in their own transactions
    if run.status == ErasureRun.Status.FAILED:
        return fail(request, error=f"Erasure {run.reference} failed: {run.last_error}")
    if run.status not in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL):
        # Another worker holds the erasure's job (after a killed worker, the reconciler sends both
        # jobs again): this one waits and comes back, rather than failing the request for good.
        raise RetryLater(f"erasure {run.reference} is still {run.status}")
    outcome = in_language(request, lambda: erasure_outcome(run.certificate or {}))
    reason = "Erased, some data kept under a legal hold" if run.status == ErasureRun.Status.PARTIAL else "Erased"
    return complete(request.pk, outcome=outcome, actor=SYSTEM, reason=reason)


def erasure_outcome(certificate: dict) -> str:
    """What the subject is told about an erasure: done, and what was kept and why.

    Holds appear by category and kind only (never their reference, note or who placed them);
    records kept under a standing policy by their legal basis and retention period.
    """
    from apps.personal_data.registry import Category, LegalBasis

    def touched(table: dict) -> bool:
        return bool(table.get("rows_deleted") or table.get("rows_anonymised") or table.get("rows_kept"))

    tables = [t for t in certificate.get("tables", []) if touched(t)]
    held_categories = sorted({note["category"] for t in tables for note in t.get("held", []) if note.get("category")})
    kinds = sorted({h.get("reason", "") for h in certificate.get("holds", []) if h.get("reason")})
    kept = sorted(
        {(note.get("legal_basis", ""), note.get("retention", "")) for t in tables for note in t.get("kept", [])}
    )
    parts = [_("We erased your personal data and closed your account.")]
    if held_categories:
        labels = [str(Category(c).label) if c in Category.values else c for c in held_categories]
        parts.append(
            _(
                "A legal obligation requires us to keep some of your data for now: %(categories)s (%(kinds)s). "
                "We will erase it when that obligation ends."
            )
            % {"categories": ", ".join(labels), "kinds": "; ".join(kinds) or _("legal hold")}
        )
    if kept:
        lines = []
        for basis, retention in kept:
            label = str(LegalBasis(basis).label) if basis in LegalBasis.values else basis
            lines.append(f"- {label}: {retention}" if retention else f"- {label}")
        kept_intro = _("Some records are kept for a limited time because the law requires it:")
        parts.append(kept_intro + "\n" + "\n".join(lines))
    return "\n\n".join(parts)
