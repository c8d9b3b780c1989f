"""How a system's task ends: its answer (webhook callback, email link), an officer's tick or
close with a reason; and what follows when the last one settles (the certificate, the request's
completion)."""

from __future__ import annotations

import hashlib
import hmac

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
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


def _store(task: PropagationTask, file: AccessFile | None, via: str) -> None:
    """Keep the system's file in private storage, for the export (the transaction's own: a
    rollback leaves an orphan file at worst, never a row without its file)."""
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
    answer.save()


@transaction.atomic
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
    the same answer changes nothing; a different answer after the task settled is refused."""
    if answer not in ANSWERS:
        raise ValidationError({"status": _("Answer one of: %(names)s.") % {"names": ", ".join(ANSWERS)}})
    locked = _lock(task)
    state = STATE_OF_ANSWER[answer]
    if locked.is_settled:
        if locked.state == state:
            return locked
        raise ValidationError(_("This task is already settled (%(state)s).") % {"state": locked.get_state_display()})
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


@transaction.atomic
def propagation_task_confirm(
    *, task: PropagationTask, actor: User, note: str, file: AccessFile | None = None
) -> PropagationTask:
    """An officer ticks off a manual task (they told the system and it confirmed), with a note;
    for an access request, with the file the system sent them."""
    _officer(actor)
    if not note.strip():
        raise ValidationError({"note": _("Say how the system confirmed.")})
    locked = _lock(task)
    if locked.is_settled:
        raise ValidationError(_("This task is already settled."))
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
    with transaction.atomic():
        task = task_for_link(reference=reference, token=token)
        return propagation_task_report(task=task, answer=answer, via="email link", file=file)


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
