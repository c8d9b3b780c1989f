"""How a system's task ends: its answer (webhook callback, email link), an officer's tick or
close with a reason; and what follows when the last one settles (the certificate, the request's
completion)."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
from collections.abc import Iterator
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.subject_requests.models import SubjectRequest
from apps.systems.domain import ANSWERS, AccessFile, AccessFileRefused, access_file_checked
from apps.systems.models import AccessAnswer, PropagationTask

State = PropagationTask.State
STATE_OF_ANSWER = {"done": State.CONFIRMED, "nothing_held": State.NOTHING_HELD, "failed": State.FAILED}


def _lock(task: PropagationTask) -> PropagationTask:
    # The request's row first, then the task's: two systems answering the same request at once
    # take turns, so the second sees the first's answer when it checks whether all are settled
    # (each locking only its own task, both saw the other still open and nobody resumed the
    # request). Request before task is also the order of the fan-out (under the request's lock).
    SubjectRequest.objects.select_for_update().filter(pk=task.request_id).values_list("pk", flat=True).first()
    return PropagationTask.objects.select_for_update(of=("self",)).select_related("system", "request").get(pk=task.pk)


def _settled(task: PropagationTask) -> None:
    """A task settled: let the request re-check its gate. subject_request_resume locks the request
    and asks every gate itself, so a check made here without that lock is not trusted to decide;
    it is a no-op while another system is still open or the request is not waiting."""
    from apps.subject_requests.services.execution import subject_request_resume

    if task.is_settled:
        subject_request_resume(request_id=task.request_id)


def _access_file(task: PropagationTask, answer: str, file: AccessFile | None) -> AccessFile | None:
    """An access task answered "done" carries the system's data (checked); no other answer does.
    Raises AccessFileRefused (a ValueError: the caller's 4xx) before anything is written."""
    if task.action != "access":
        if file is not None:
            raise AccessFileRefused(_("Only an answer to an access request carries a file."))
        return None
    if answer == "done" and file is None:
        raise AccessFileRefused(_("An access request answered done carries the data held, as a JSON or CSV file."))
    if answer != "done" and file is not None:
        raise AccessFileRefused(_("Only an answer of done carries a file."))
    return access_file_checked(file) if file is not None else None


# The answer files written inside the current _atomic_with_files block (outermost first).
_WRITTEN: contextvars.ContextVar[list[tuple[Storage, str]] | None] = contextvars.ContextVar(
    "systems_answer_files", default=None
)


@contextlib.contextmanager
def _atomic_with_files() -> Iterator[None]:
    """``transaction.atomic``, and the answer files written inside it deleted again when it rolls
    back: storage is not transactional, and a rollback after ``_store`` (the row's INSERT
    failing, the request's resume failing) would leave a file of the person's data that no row
    names, found by no erasure. Blocks nest (the emailed link's service calls the report's): each
    deletes what was written since it began if it fails, the outermost forgets the list."""
    written = _WRITTEN.get()
    token = _WRITTEN.set([]) if written is None else None
    files = _WRITTEN.get()
    assert files is not None
    begun = len(files)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for storage, name in files[begun:]:
            with contextlib.suppress(OSError):  # the first error is the one to report
                storage.delete(name)
        del files[begun:]
        raise
    finally:
        if token is not None:
            _WRITTEN.reset(token)


def _store(task: PropagationTask, file: AccessFile | None, via: str) -> None:
    """Keep the system's file in private storage, for the export. Called inside
    _atomic_with_files, which deletes the file again if the transaction rolls back."""
    if file is None:
        return
    answer = AccessAnswer(
        task=task,
        format=file.format,
        size_bytes=len(file.content),
        sha256=hashlib.sha256(file.content).hexdigest(),
        received_via=via[:16],
    )
    answer.file.save(f"answer.{file.format}", ContentFile(file.content), save=False)
    written = _WRITTEN.get()
    if written is not None and answer.file.name:
        written.append((answer.file.storage, answer.file.name))
    answer.save()


def _still_answerable(task: PropagationTask) -> None:
    """Refuse an answer to a request that is closed (its export, if any, is built and sent) or,
    for an access request, one whose person has been erased since it was made (the file would hold data of someone the
    portal has erased): ValidationError, the callback's 409."""
    from apps.personal_data.models import ErasureRun

    request = task.request
    if request.status in SubjectRequest.CLOSED_STATUSES:
        raise ValidationError(_("This request is closed; it takes no more answers."), code="request_closed")
    if task.action != "access":
        return  # an erasure's systems answer after the portal's own erasure ran, by design
    erased = request.subject_id is None or (
        ErasureRun.objects.filter(subject_id=request.subject_id, dry_run=False, created_at__gte=request.created_at)
        .exclude(status=ErasureRun.Status.FAILED)
        .exists()
    )
    if erased:
        raise ValidationError(
            _("The person this request is about has been erased; no data about them is taken any more."),
            code="subject_erased",
        )


def propagation_task_report(
    *,
    task: PropagationTask,
    answer: str,
    via: str,
    counts: dict | None = None,
    message: str = "",
    file: AccessFile | None = None,
) -> PropagationTask:
    """A system's own answer (for an access request answered done, with its file). A repeat of
    the same answer changes nothing; a different answer after the task settled is refused, and
    so is any answer once the request closed or its person was erased."""
    with _atomic_with_files():
        return _report(task=task, answer=answer, via=via, counts=counts, message=message, file=file)


def _report(
    *, task: PropagationTask, answer: str, via: str, counts: dict | None, message: str, file: AccessFile | None
) -> PropagationTask:
    if answer not in ANSWERS:
        raise ValidationError({"status": _("Answer one of: %(names)s.") % {"names": ", ".join(ANSWERS)}})
    locked = _lock(task)
    state = STATE_OF_ANSWER[answer]
    if locked.is_settled:
        if locked.state == state:
            return locked
        raise ValidationError(_("This task is already settled (%(state)s).") % {"state": locked.get_state_display()})
    _still_answerable(locked)
    file = _access_file(locked, answer, file)
    now = timezone.now()
    locked.state, locked.answered_at = state, now
    locked.told_at = locked.told_at or now  # the answer came before the delivery was recorded
    locked.counts = counts or {}
    locked.note = message[:1000]
    locked.confirm_digest = ""
    locked._change_reason = f"answered {answer} by {via}"  # type: ignore[attr-defined]
    locked.full_clean()
    locked.save()
    _store(locked, file, via)
    _settled(locked)
    return locked


def _officer(actor: User) -> None:
    if not (
        actor.is_staff
        and (
            actor.has_perm("systems.close_propagationtask") or actor.has_perm("subject_requests.handle_subjectrequest")
        )
    ):
        raise ValidationError(_("You may not settle a system's task."))


@transaction.atomic
def propagation_task_close(*, task: PropagationTask, actor: User, reason: str) -> PropagationTask:
    """An officer closes a silent or failed system's task, with the reason on record."""
    _officer(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the task is closed without the system's confirmation.")})
    locked = _lock(task)
    if locked.is_settled:
        raise ValidationError(_("This task is already settled."))
    locked.state, locked.answered_at, locked.closed_by = State.CLOSED, timezone.now(), actor
    locked.note = reason.strip()[:1000]
    locked.confirm_digest = ""  # the emailed link stops working once an officer settled the task
    locked._history_user, locked._change_reason = actor, "closed by an officer"  # type: ignore[attr-defined]
    locked.save()
    _settled(locked)
    return locked


def propagation_task_confirm(
    *, task: PropagationTask, actor: User, note: str, file: AccessFile | None = None
) -> PropagationTask:
    """An officer ticks off a manual task (they told the system and it confirmed), with a note;
    for an access request, with the file the system sent them."""
    with _atomic_with_files():
        return _confirm(task=task, actor=actor, note=note, file=file)


def _confirm(*, task: PropagationTask, actor: User, note: str, file: AccessFile | None) -> PropagationTask:
    _officer(actor)
    if not note.strip():
        raise ValidationError({"note": _("Say how the system confirmed.")})
    locked = _lock(task)
    if locked.is_settled:
        raise ValidationError(_("This task is already settled."))
    _still_answerable(locked)
    try:
        file = _access_file(locked, "done", file)
    except AccessFileRefused as exc:
        raise ValidationError({"file": str(exc)}) from exc
    locked.state, locked.answered_at, locked.closed_by = State.CONFIRMED, timezone.now(), actor
    locked.note = note.strip()[:1000]
    locked.confirm_digest = ""  # the emailed link stops working once an officer settled the task
    locked._history_user, locked._change_reason = actor, "confirmed by an officer"  # type: ignore[attr-defined]
    locked.save()
    _store(locked, file, "officer")
    _settled(locked)
    return locked


def task_for_link(*, reference: str, token: str) -> PropagationTask:
    """The task an emailed link confirms; ValidationError when the link is unknown or used."""
    task = PropagationTask.objects.select_related("system", "request").filter(reference=reference).first()
    digest = hashlib.sha256(token.encode()).hexdigest()
    if task is None or not task.confirm_digest or not hmac.compare_digest(task.confirm_digest, digest):
        raise ValidationError(_("This link is not valid or was already used."))
    return task


def propagation_task_confirm_by_link(
    *, reference: str, token: str, answer: str, file: AccessFile | None = None
) -> PropagationTask:
    with _atomic_with_files():
        task = task_for_link(reference=reference, token=token)
        return propagation_task_report(task=task, answer=answer, via="email link", file=file)


def access_answers_forget(request: SubjectRequest) -> int:
    """Delete the systems' stored answers to an access request once its export is READY (they
    are copied into it, checksummed): the row now, the file after commit. Kept while the export
    is not ready, so a failed build can be tried again with them. How many were deleted."""
    from apps.personal_data.models import DataExport

    export_id = ((request.execution or {}).get("export") or {}).get("id")
    if export_id is None or not DataExport.objects.filter(pk=export_id, status=DataExport.Status.READY).exists():
        return 0
    answers = list(AccessAnswer.objects.filter(task__request=request))
    for answer in answers:
        if answer.file.name:
            # robust: a file storage cannot delete now must not undo the request's completion.
            transaction.on_commit(partial(answer.file.storage.delete, answer.file.name), robust=True)
    AccessAnswer.objects.filter(pk__in=[a.pk for a in answers]).delete()
    return len(answers)


def certify(request: SubjectRequest) -> None:
    """Write each system's part into the erasure's certificate: when told, how, when and how it
    answered. No one's data: names of organisations, dates, states and counts."""
    from apps.personal_data.models import ErasureRun

    erasure_id = ((request.execution or {}).get("erasure") or {}).get("id")
    tasks = list(PropagationTask.objects.filter(request=request).select_related("system"))
    if erasure_id is None or not tasks:
        return
    run = ErasureRun.objects.select_for_update().filter(pk=erasure_id).first()
    if run is None or not run.certificate:
        return
    run.certificate = {
        **run.certificate,
        "systems": [
            {
                "system": t.system.name,
                "role": t.system.role,
                "why": t.why,
                "told_by": t.connector,
                "told_at": t.told_at.isoformat() if t.told_at else None,
                "state": t.state,
                "answered_at": t.answered_at.isoformat() if t.answered_at else None,
                "counts": t.counts,
                "closed_reason": t.note if t.state == State.CLOSED else "",
            }
            for t in tasks
        ],
    }
    ErasureRun.objects.filter(pk=run.pk).update(certificate=run.certificate)
