"""Carrying out each type of subject request, in the worker.

Who calls what:

* ``subject_request_start`` (officer, or a command) moves an OPEN request to IN_PROGRESS and
  queues ``tasks.execute_task``; withdrawals and objections (services.IMMEDIATE_TYPES) are
  queued straight from opening and ``subject_request_execute`` starts them itself.
* ``subject_request_execute`` (the task) does the request's work and completes it, or leaves
  it IN_PROGRESS waiting for an officer (rectification, complaint, data found without an
  account); officers finish those with ``rectification_apply``, ``subject_request_complete``
  and ``subject_request_approve``.

``request.execution`` is the worker's record (no history row per write; the status changes
are the timeline):

    state        queued | running | awaiting_officer | failed | gave_up | done
    queued_at, started_at, active_at, finished_at   ISO datetimes (the reconciler reads them)
    attempts     how many times execute claimed it;  requeues: how many times jobs.py re-queued it
    started_by   the officer who started it (their pk), the actor of the engines' writes
    export / erasure / restriction   {"id", "reference"} of what the engine made, recorded
                 before the engine runs, so another delivery resumes it instead of doubling it
    consent_events, suppressions   what the ledger got
    error        the last failure, for officers

Execution is safe to run twice: the row is locked while the work is claimed and recorded;
the engines (export, erasure) run outside that lock (an erasure is many short transactions,
checkpointed, and must not sit inside one long one) and are idempotent on their own; the
ledger types write their entries and complete the request in one transaction.

Scope keys read here (set by the forms): ``purposes`` (purpose codes, or ids) for
restriction, objection and withdrawal (empty: all processing / all granted consents);
``direct_marketing`` (bool) for objection; ``changes`` ({field: new value}) for rectification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import SystemActor
from apps.subject_requests import services
from apps.subject_requests.models import RequestType, SubjectRequest

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
Actor = User | SystemActor
SYSTEM = SystemActor("subject-requests")

# Execution states (request.execution["state"]).
QUEUED = "queued"
RUNNING = "running"
AWAITING_OFFICER = "awaiting_officer"
FAILED = "failed"
GAVE_UP = "gave_up"
DONE = "done"
# States in which the worker still owes work: the reconciler re-queues these when idle.
UNFINISHED = (QUEUED, RUNNING)

# Types an officer finishes by hand after the worker has prepared them.
OFFICER_TYPES = {RequestType.RECTIFICATION, RequestType.COMPLAINT}
# Types with nothing to do without an account (no consents, no restriction to place).
ACCOUNT_TYPES = {RequestType.ACCESS, RequestType.PORTABILITY, RequestType.ERASURE, RequestType.RESTRICTION}


# --- Bookkeeping ---------------------------------------------------------------------------


def _now_iso() -> str:
    return timezone.now().isoformat()


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _record(request_id: int, **changes: Any) -> dict:
    """Merge ``changes`` into the request's execution record, under the row lock.

    update(), not save(): bookkeeping is not a change of the request (no history row, no
    actor); the status changes it accompanies are recorded by the services.
    """
    with transaction.atomic():
        current = SubjectRequest.objects.select_for_update().values_list("execution", flat=True).get(pk=request_id)
        execution = {**(current or {}), **changes}
        SubjectRequest.objects.filter(pk=request_id).update(execution=execution)
    return execution


def _lock(request_id: int) -> SubjectRequest | None:
    # of=self: PostgreSQL cannot lock the nullable side of the outer join to the subject.
    return (
        SubjectRequest.objects.select_for_update(of=("self",))
        .select_related("subject", "jurisdiction")
        .filter(pk=request_id)
        .first()
    )


def _worker_actor(request: SubjectRequest) -> Actor:
    """The officer who started the request acts through the engines; otherwise the system."""
    officer_id = (request.execution or {}).get("started_by")
    if officer_id:
        officer = User.objects.filter(pk=officer_id, is_staff=True).first()
        if officer is not None:
            return officer
    return SYSTEM


def _queue(request_id: int) -> None:
    from apps.subject_requests.tasks import execute_task

    transaction.on_commit(lambda: execute_task.delay(request_id))


# --- Starting -------------------------------------------------------------------------------


@transaction.atomic
def subject_request_start(*, request: SubjectRequest, actor: Actor) -> SubjectRequest:
    """OPEN → IN_PROGRESS, and the worker is asked (after the commit) to carry it out."""
    started = services.subject_request_transition(
        request=request, to_status=Status.IN_PROGRESS, actor=actor, reason="Started"
    )
    execution = {"state": QUEUED, "queued_at": _now_iso()}
    if isinstance(actor, User):
        execution["started_by"] = actor.pk
    started.execution = _record(started.pk, **execution)
    _queue(started.pk)
    request.__dict__.update(started.__dict__)
    return started


@transaction.atomic
def subject_request_retry(*, request: SubjectRequest, actor: User) -> SubjectRequest:
    """An officer queues again an execution that failed or that the reconciler gave up on."""
    locked = _lock(request.pk)
    assert locked is not None
    state = (locked.execution or {}).get("state")
    if locked.status != Status.IN_PROGRESS or state not in (FAILED, GAVE_UP):
        raise ValidationError(_("Only a request in progress whose execution failed can be run again."))
    locked.execution = _record(locked.pk, state=QUEUED, queued_at=_now_iso(), requeues=0, error="")
    services.subject_request_note(request=locked, actor=actor, body="Execution queued again by an officer.")
    _queue(locked.pk)
    return locked


# --- Executing ------------------------------------------------------------------------------


def subject_request_execute(*, request_id: int) -> SubjectRequest | None:
    """Carry out one request (the worker's task). Safe to run any number of times."""
    request = _claim(request_id)
    if request is None or request.status != Status.IN_PROGRESS or request.execution.get("state") != RUNNING:
        return request
    handler = HANDLERS[request.request_type]
    try:
        return handler(request)
    except Exception as exc:
        # The task fails; the reconciler re-queues it after a while (and gives up after a few).
        _record(request.pk, error=f"{type(exc).__name__}: {exc}"[:1000])
        raise


def _claim(request_id: int) -> SubjectRequest | None:
    """Lock the request, start it if it takes effect at once, and mark the attempt."""
    with transaction.atomic():
        request = _lock(request_id)
        if request is None:
            logger.warning("Subject request %s does not exist (a stale message); nothing to do.", request_id)
            return None
        if not request.is_open:
            return request
        if request.status == Status.OPEN and request.request_type in services.IMMEDIATE_TYPES:
            request = services.subject_request_transition(
                request=request, to_status=Status.IN_PROGRESS, actor=SYSTEM, reason="Started at once"
            )
        if request.status != Status.IN_PROGRESS:
            return request  # awaiting verification or approval, or open and not started by an officer
        execution = request.execution or {}
        if execution.get("state") in (AWAITING_OFFICER, DONE):
            return request
        now = _now_iso()
        request.execution = _record(
            request.pk,
            state=RUNNING,
            attempts=int(execution.get("attempts", 0)) + 1,
            started_at=execution.get("started_at") or now,
            active_at=now,
        )
        return request


def _complete(request_id: int, *, outcome: str, actor: Actor, reason: str, **record: Any) -> SubjectRequest:
    """IN_PROGRESS → COMPLETED with the outcome the subject is told (emailed by the service)."""
    with transaction.atomic():
        request = _lock(request_id)
        assert request is not None
        if request.status != Status.IN_PROGRESS:
            return request
        _record(request.pk, state=DONE, finished_at=_now_iso(), error="", **record)
        return services.subject_request_transition(
            request=request, to_status=Status.COMPLETED, actor=actor, reason=reason, outcome=outcome
        )


def _await_officer(request: SubjectRequest, *, note: str, **record: Any) -> SubjectRequest:
    """Leave the request IN_PROGRESS for an officer, with an internal note saying why."""
    with transaction.atomic():
        locked = _lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS or locked.execution.get("state") == AWAITING_OFFICER:
            return locked
        locked.execution = _record(locked.pk, state=AWAITING_OFFICER, finished_at=_now_iso(), **record)
        services.subject_request_note(request=locked, actor=None, body=note)
        return locked


def _fail(request: SubjectRequest, *, error: str) -> SubjectRequest:
    """The engine gave up: officers see the note and decide (retry, complete by hand, reject)."""
    with transaction.atomic():
        locked = _lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS:
            return locked
        locked.execution = _record(locked.pk, state=FAILED, finished_at=_now_iso(), error=error[:1000])
        services.subject_request_note(request=locked, actor=None, body=f"Execution failed: {error}"[:10000])
        return locked


def _in_language(request: SubjectRequest, make: Callable[[], str]) -> str:
    with translation.override(request.language or settings.LANGUAGE_CODE):
        return make().strip()


def _address(request: SubjectRequest) -> str:
    return request.subject.email if request.subject is not None else request.requester_email


def _no_account(request: SubjectRequest) -> SubjectRequest:
    """No account has the address: complete if nothing else holds it, else leave it to an officer.

    The registry search (find_personal_data) looks in every registered table for the address;
    rows of subject requests themselves do not count. Anything found is data without an
    account link, which only an officer can judge (the same person? someone else's address in
    a message?), so the request waits for one rather than answering "nothing" wrongly.
    """
    from apps.personal_data.selectors import find_personal_data

    email = request.requester_email
    findings = [f for f in find_personal_data(email) if not f.model.startswith("subject_requests.")] if email else []
    if findings:
        tables = sorted({f.table for f in findings})
        return _await_officer(
            request,
            note=(
                "No account has this address, but it appears in: "
                + ", ".join(tables)
                + ". Find what belongs to the requester and complete the request by hand."
            ),
        )

    def outcome() -> str:
        if not email:  # Facebook's callback for a user id we never linked gives no address
            return _("We hold no personal data linked to you, apart from this request itself.")
        return _("We hold no personal data linked to %(email)s, apart from this request itself.") % {"email": email}

    return _complete(request.pk, outcome=_in_language(request, outcome), actor=SYSTEM, reason="No personal data held")


# --- Access and portability -------------------------------------------------------------------


def _execute_export(request: SubjectRequest) -> SubjectRequest:
    from apps.personal_data.exports import export_request, export_run
    from apps.personal_data.models import DataExport

    if request.subject is None:
        return _no_account(request)
    with transaction.atomic():
        locked = _lock(request.pk)
        assert locked is not None
        assert locked.subject is not None
        if locked.status != Status.IN_PROGRESS:
            return locked
        known = (locked.execution or {}).get("export") or {}
        export = DataExport.objects.filter(pk=known.get("id")).first() if known else None
        if export is None or export.status in (DataExport.Status.FAILED, DataExport.Status.EXPIRED):
            try:
                export = export_request(subject=locked.subject, actor=_worker_actor(locked), enqueue=False)
            except ValidationError as exc:
                error = "; ".join(exc.messages)
                return _fail(locked, error=f"The export could not start: {error}")
            _record(locked.pk, export={"id": export.pk, "reference": str(export.reference)})
    # Outside the request's lock: the build can take minutes and keeps its own heartbeat.
    export = export_run(export_id=export.pk)  # at once when another delivery already built it
    if export.status != DataExport.Status.READY:
        return _fail(request, error=f"Export {export.reference} is {export.status}: {export.last_error}")

    def outcome() -> str:
        expires = timezone.localtime(export.expires_at).strftime("%Y-%m-%d %H:%M %Z") if export.expires_at else ""
        url = settings.SITE_URL.rstrip("/") + reverse("personal_data:data")
        if request.request_type == RequestType.PORTABILITY:
            text = _(
                "A copy of your data in machine-readable formats (JSON and CSV files in one ZIP archive) is ready "
                "to download on Your data until %(expires)s: %(url)s"
            )
        else:
            text = _(
                "A copy of your data, with a page explaining what each file holds, is ready to download on "
                "Your data until %(expires)s: %(url)s"
            )
        return text % {"expires": expires, "url": url}

    return _complete(request.pk, outcome=_in_language(request, outcome), actor=SYSTEM, reason="Copy of the data ready")


# --- Erasure ----------------------------------------------------------------------------------


def _execute_erasure(request: SubjectRequest) -> SubjectRequest:
    from apps.personal_data.erasure import FINISHED, erasure_run, erasure_start
    from apps.personal_data.models import ErasureRun

    if request.subject is None:
        return _no_account(request)
    with transaction.atomic():
        locked = _lock(request.pk)
        assert locked is not None
        assert locked.subject is not None
        if locked.status != Status.IN_PROGRESS:
            return locked
        known = (locked.execution or {}).get("erasure") or {}
        run = ErasureRun.objects.filter(pk=known.get("id")).first() if known else None
        if run is None:
            run = erasure_start(
                subject=locked.subject,
                actor=_worker_actor(locked),
                reason=f"Erasure request {locked.reference}",
                request_reference=str(locked.reference),
                queue=False,  # this worker erases now; a killed one is resumed from the checkpoint
            )
            _record(locked.pk, erasure={"id": run.pk, "reference": str(run.reference)})
    if run.status not in FINISHED:
        run = erasure_run(erasure_id=run.pk) or run  # batches in their own transactions; raises on errors
        _record(request.pk, active_at=_now_iso())
    if run.status == ErasureRun.Status.FAILED:
        return _fail(request, error=f"Erasure {run.reference} failed: {run.last_error}")
    if run.status not in (ErasureRun.Status.COMPLETED, ErasureRun.Status.PARTIAL):
        raise RuntimeError(f"erasure {run.reference} is still {run.status}")
    outcome = _in_language(request, lambda: erasure_outcome(run.certificate or {}))
    reason = "Erased, some data kept under a legal hold" if run.status == ErasureRun.Status.PARTIAL else "Erased"
    return _complete(request.pk, outcome=outcome, actor=SYSTEM, reason=reason)


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


# --- Consent ledger: restriction, objection, withdrawal, stop processing ---------------------


def _purposes(request: SubjectRequest) -> tuple[list, list[str]]:
    """The purposes the scope names (codes or ids), and the names that match none."""
    from apps.consent.models import Purpose

    wanted = (request.scope or {}).get("purposes") or []
    if not isinstance(wanted, list):
        wanted = [wanted]
    codes = [str(w) for w in wanted if not isinstance(w, int)]
    ids = [w for w in wanted if isinstance(w, int)]
    found = list(Purpose.objects.filter(code__in=codes)) + list(Purpose.objects.filter(pk__in=ids))
    known = {p.code for p in found} | {p.pk for p in found}
    unknown = [str(w) for w in wanted if w not in known]
    unique = {p.pk: p for p in found}
    return sorted(unique.values(), key=lambda p: (p.display_order, p.code)), unknown


def _names(purposes: list, language: str) -> str:
    return ", ".join(p.name(language) for p in purposes)


def _context():
    from apps.consent.models import ConsentEvent
    from apps.consent.services import Context

    return Context(method=ConsentEvent.Method.REQUEST, source_page="subject-request")


def _refuse(subject: User | None, purposes: list, actor: Actor) -> list:
    """A ledger entry refusing each purpose the subject has not refused already."""
    from apps.consent.selectors import states_for
    from apps.consent.services import consent_record

    if subject is None:
        return []
    states = states_for(subject=subject)
    events = []
    for purpose in purposes:
        state = states.get(purpose.pk)
        # No state: never asked. For legitimate interest that means "allowed" until objected
        # to, so the refusal is recorded; for consent it is already "off" but recorded too.
        if state is not None and not state.granted:
            continue
        events.append(consent_record(purpose=purpose, granted=False, context=_context(), actor=actor, subject=subject))
    return events


def _granted(subject: User | None) -> list:
    from apps.consent.selectors import states_for

    if subject is None:
        return []
    states = states_for(subject=subject).values()
    return [s.purpose for s in states if s.granted and s.purpose.is_active]


def _suppress_all_marketing(emails: list[str]) -> list[str]:
    """An objection to direct marketing is absolute: every channel, every purpose, at once."""
    from apps.consent.models import Purpose, Suppression
    from apps.consent.services import suppress_address

    done = []
    for email in dict.fromkeys(e for e in emails if e):
        for channel in (c for c in Purpose.Channel.values if c):
            suppress_address(email, channel=channel, reason=Suppression.Reason.OBJECTION, purpose_code="")
            done.append(channel)
    return sorted(set(done))


def _place_restriction(request: SubjectRequest, purposes: list, actor: Actor):
    """One restriction in force of the scope asked; an identical one in force is reused."""
    from apps.consent.models import ProcessingRestriction
    from apps.consent.services import restriction_place

    subject = request.subject
    assert subject is not None
    if not purposes:
        existing = (
            ProcessingRestriction.objects.filter(subject=subject, lifted_at__isnull=True, purposes__isnull=True)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing
    # placed_by must be a person: the officer who started the request, else the subject, at
    # whose request it is placed (the reason names the request).
    placed_by = actor if isinstance(actor, User) else subject
    return restriction_place(
        subject=subject,
        reason=f"Subject request {request.reference} ({request.get_request_type_display()})",
        actor=placed_by,
        purposes=purposes or None,
    )


_NAMES_NOTHING = ("", {})


def _ledger(request: SubjectRequest, work: Callable[[SubjectRequest, Actor], tuple[str, dict] | None]):
    """Run ``work`` and complete the request in one transaction under the request's lock.

    Either the ledger entries and the completion are both committed or neither is: a second
    delivery finds the request completed and does nothing.
    """
    with transaction.atomic():
        locked = _lock(request.pk)
        assert locked is not None
        if locked.status != Status.IN_PROGRESS or locked.execution.get("state") != RUNNING:
            return locked
        _purposes_found, unknown = _purposes(locked)
        if unknown:
            return _await_officer(
                locked,
                note=f"The request names purposes that do not exist: {', '.join(unknown)}. Check with the subject.",
            )
        if locked.subject is None and locked.request_type in ACCOUNT_TYPES:
            return _no_account(locked)
        actor = _worker_actor(locked)
        result = work(locked, actor)
        if result is None:
            return _no_account(locked)
        if result is _NAMES_NOTHING:
            return _await_officer(locked, note="The request names no purpose; ask the subject what it is about.")
        outcome, record = result
        return _complete(
            locked.pk,
            outcome=_in_language(locked, lambda: outcome),
            actor=SYSTEM,
            reason=f"{locked.get_request_type_display()} recorded",
            **record,
        )


def _execute_restriction(request: SubjectRequest) -> SubjectRequest:
    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict]:
        purposes, _unknown = _purposes(locked)
        restriction = _place_restriction(locked, purposes, actor)
        with translation.override(locked.language):
            what = (
                _("processing of your data for: %(purposes)s") % {"purposes": _names(purposes, locked.language)}
                if purposes
                else _("all processing of your data")
            )
            outcome = _(
                "We restricted %(what)s. While the restriction is in place we only store your data; it stays in "
                "place until it is lifted, and we will tell you before lifting it."
            ) % {"what": what}
        return outcome, {"restriction": {"id": restriction.pk, "reference": str(restriction.reference)}}

    return _ledger(request, work)


def _execute_objection(request: SubjectRequest) -> SubjectRequest:
    from apps.consent.models import Purpose

    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict] | None:
        chosen, _unknown = _purposes(locked)
        marketing = bool((locked.scope or {}).get("direct_marketing")) or any(p.is_marketing for p in chosen)
        purposes = list(chosen)
        if marketing:
            # Direct marketing as a whole: every marketing purpose, whichever were named.
            extra = Purpose.objects.filter(is_marketing=True, is_active=True).exclude(pk__in=[p.pk for p in purposes])
            purposes += list(extra)
        purposes = [p for p in purposes if p.is_active]
        if not purposes and not marketing:
            return _NAMES_NOTHING
        events = _refuse(locked.subject, purposes, actor)
        channels = _suppress_all_marketing([_address(locked), locked.requester_email]) if marketing else []
        with translation.override(locked.language):
            parts = []
            if purposes:
                parts.append(
                    _("We recorded your objection to: %(purposes)s.") % {"purposes": _names(purposes, locked.language)}
                )
            if marketing:
                parts.append(
                    _(
                        "You will receive no direct marketing from us at %(email)s, by any channel; this took "
                        "effect at once and does not end unless you ask us to contact you again."
                    )
                    % {"email": _address(locked)}
                )
            outcome = " ".join(parts) or _("We recorded your objection.")
        return outcome, {"consent_events": [e.pk for e in events], "suppressions": channels}

    return _ledger(request, work)


def _execute_withdrawal(request: SubjectRequest) -> SubjectRequest:
    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict] | None:
        if locked.subject is None:
            return None
        chosen, _unknown = _purposes(locked)
        granted = _granted(locked.subject)
        granted_ids = {p.pk for p in granted}
        purposes = [p for p in chosen if p.pk in granted_ids and p.is_active] if chosen else granted
        events = _refuse(locked.subject, purposes, actor)
        with translation.override(locked.language):
            if purposes:
                outcome = _("We recorded the withdrawal of your consent to: %(purposes)s. It took effect at once.") % {
                    "purposes": _names(purposes, locked.language)
                }
            else:
                outcome = _("You had not given us consent for what you asked to withdraw; there was nothing to change.")
        return outcome, {"consent_events": [e.pk for e in events]}

    return _ledger(request, work)


def _execute_stop_processing(request: SubjectRequest) -> SubjectRequest:
    def work(locked: SubjectRequest, actor: Actor) -> tuple[str, dict]:
        record: dict[str, Any] = {}
        withdrawn = _granted(locked.subject)
        events = _refuse(locked.subject, withdrawn, actor)
        record["consent_events"] = [e.pk for e in events]
        record["suppressions"] = _suppress_all_marketing([_address(locked), locked.requester_email])
        with translation.override(locked.language):
            parts = []
            if locked.subject is not None:
                restriction = _place_restriction(locked, [], actor)
                record["restriction"] = {"id": restriction.pk, "reference": str(restriction.reference)}
                parts.append(
                    _(
                        "We stopped all processing of your data: we only store it, until the restriction is lifted, "
                        "and we will tell you before lifting it."
                    )
                )
            if withdrawn:
                parts.append(
                    _("Your consents are withdrawn: %(purposes)s.") % {"purposes": _names(withdrawn, locked.language)}
                )
            parts.append(_("You will receive no direct marketing from us at %(email)s.") % {"email": _address(locked)})
            if locked.subject is None:
                parts.append(_("No account is linked to this address, so there was nothing else to stop."))
            outcome = " ".join(parts)
        return outcome, record

    return _ledger(request, work)


# --- Officer-finished types -----------------------------------------------------------------


def _execute_for_officer(request: SubjectRequest) -> SubjectRequest:
    if request.request_type == RequestType.RECTIFICATION:
        changes = (request.scope or {}).get("changes") or {}
        fields = ", ".join(sorted(changes)) or "none given"
        note = f"Proposed changes to review (fields: {fields}). Apply the accepted ones, decline the rest."
    else:
        note = "A complaint: reply through messages, then complete the request with its outcome."
    return _await_officer(request, note=note)


HANDLERS: dict[str, Callable[[SubjectRequest], SubjectRequest]] = {
    RequestType.ACCESS: _execute_export,
    RequestType.PORTABILITY: _execute_export,
    RequestType.ERASURE: _execute_erasure,
    RequestType.RESTRICTION: _execute_restriction,
    RequestType.OBJECTION: _execute_objection,
    RequestType.WITHDRAWAL: _execute_withdrawal,
    RequestType.STOP_PROCESSING: _execute_stop_processing,
    RequestType.RECTIFICATION: _execute_for_officer,
    RequestType.COMPLAINT: _execute_for_officer,
}


def awaiting_officer(request: SubjectRequest) -> bool:
    """In progress, with the worker's part done: an officer finishes it (command --wait stops here)."""
    return request.status == Status.IN_PROGRESS and (request.execution or {}).get("state") == AWAITING_OFFICER


def _officer(actor: Any) -> User:
    allowed = isinstance(actor, User) and actor.is_staff and actor.has_perm("subject_requests.handle_subjectrequest")
    if not allowed:
        raise ValidationError(_("Only a privacy officer can do this."))
    return actor


@transaction.atomic
def rectification_apply(*, request: SubjectRequest, actor: User, accepted: list[str], note: str = "") -> SubjectRequest:
    """Apply the accepted fields of the proposed changes to the account and complete the request.

    The changes are made by the officer (the account's history names them, with the
    request's reference); the outcome tells the subject which fields changed and which were
    declined (field names only: the values are in their account).
    """
    from apps.accounts.services import EDITABLE_DETAILS, user_update_details

    _officer(actor)
    locked = _lock(request.pk)
    assert locked is not None
    if locked.request_type != RequestType.RECTIFICATION or locked.status != Status.IN_PROGRESS:
        raise ValidationError(_("Only a rectification request in progress can be applied."))
    if locked.subject is None:
        raise ValidationError(_("This request has no account to correct; complete it by hand."))
    changes = (locked.scope or {}).get("changes") or {}
    not_proposed = sorted(set(accepted) - set(changes))
    if not_proposed:
        raise ValidationError(_("Not among the proposed changes: %(fields)s") % {"fields": ", ".join(not_proposed)})
    not_editable = sorted(set(accepted) - set(EDITABLE_DETAILS))
    if not_editable:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(not_editable)}
        )
    applied = {name: changes[name] for name in changes if name in accepted}
    if applied:
        user_update_details(
            user=locked.subject, actor=actor, reason=f"Rectification request {locked.reference}", **applied
        )
    declined = [name for name in changes if name not in applied]

    def label(name: str) -> str:
        try:
            return str(User._meta.get_field(name).verbose_name)
        except Exception:
            return name

    def outcome() -> str:
        parts = []
        if applied:
            parts.append(_("We corrected: %(fields)s.") % {"fields": ", ".join(label(n) for n in applied)})
        if declined:
            parts.append(_("We did not change: %(fields)s.") % {"fields": ", ".join(label(n) for n in declined)})
        if note.strip():
            parts.append(note.strip())
        return " ".join(parts) or _("There was nothing to correct.")

    _record(locked.pk, rectification={"applied": sorted(applied), "declined": sorted(declined)})
    return _complete(locked.pk, outcome=_in_language(locked, outcome), actor=actor, reason="Rectification applied")


@transaction.atomic
def subject_request_complete(*, request: SubjectRequest, actor: User, outcome: str) -> SubjectRequest:
    """An officer completes a request they handled by hand (a complaint's outcome, say)."""
    _officer(actor)
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write the outcome; the subject is sent it.")})
    locked = _lock(request.pk)
    assert locked is not None
    if locked.status == Status.AWAITING_APPROVAL:
        raise ValidationError(_("This request awaits approval by another officer."))
    if locked.status != Status.IN_PROGRESS:
        raise ValidationError(_("Only a request in progress can be completed."))
    busy = (locked.execution or {}).get("state") in (QUEUED, RUNNING)
    if busy and locked.request_type not in OFFICER_TYPES:
        raise ValidationError(_("The worker is still carrying this request out; wait for it to finish."))
    completed = _complete(locked.pk, outcome=outcome, actor=actor, reason="Completed by an officer")
    request.__dict__.update(completed.__dict__)
    return completed


def approval_requested_by(request: SubjectRequest) -> int | None:
    """The officer (pk) who sent the request for approval most recently, from its history."""
    sender = None
    for version in request.history.order_by("-history_date", "-history_id"):
        if version.status != Status.AWAITING_APPROVAL:
            break
        sender = version.history_user_id
    return sender


@transaction.atomic
def subject_request_approve(*, request: SubjectRequest, actor: User) -> SubjectRequest:
    """A second officer approves: the request is carried out (or, when the officer who sent it
    wrote its outcome, completed with that outcome)."""
    _officer(actor)
    if not actor.has_perm("subject_requests.approve_subjectrequest"):
        raise ValidationError(_("You may not approve requests."))
    locked = _lock(request.pk)
    assert locked is not None
    if locked.status != Status.AWAITING_APPROVAL:
        raise ValidationError(_("This request is not awaiting approval."))
    if approval_requested_by(locked) == actor.pk:
        raise ValidationError(_("Another officer must approve a request you sent for approval."))
    execution = locked.execution or {}
    executed = execution.get("state") in (DONE, AWAITING_OFFICER, FAILED)
    if locked.request_type in OFFICER_TYPES or executed:
        if not locked.outcome.strip():
            raise ValidationError(_("Nothing to approve: the outcome was not written when it was sent for approval."))
        _record(locked.pk, state=DONE, finished_at=_now_iso())
        approved = services.subject_request_transition(
            request=locked, to_status=Status.COMPLETED, actor=actor, reason="Approved", outcome=locked.outcome
        )
    else:
        approved = services.subject_request_transition(
            request=locked, to_status=Status.IN_PROGRESS, actor=actor, reason="Approved"
        )
        approved.execution = _record(
            approved.pk, state=QUEUED, queued_at=_now_iso(), started_by=execution.get("started_by") or actor.pk
        )
        _queue(approved.pk)
    request.__dict__.update(approved.__dict__)
    return approved
