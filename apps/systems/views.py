"""What systems reach the portal through: the webhook callback (signed with the system's own
secret, per Standard Webhooks) and the one-time confirmation link of emailed instructions."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.webhooks import verify
from apps.systems.domain import ACTION_LABELS, AccessFile, AccessFileRefused, access_file_checked
from apps.systems.forms import CallbackForm, ConfirmForm
from apps.systems.models import PropagationTask
from apps.systems.selectors import secrets_for
from apps.systems.services import propagation_task_confirm_by_link, propagation_task_report, task_for_link

logger = logging.getLogger(__name__)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _callback_limit() -> int:
    """The largest body, the same for every reference: an access task's answer may carry its
    file, base64-encoded (4 bytes for every 3, plus the padding). One limit for all, checked
    before the signature, so a 413 or a 401 says nothing about which references are access
    tasks (or exist at all)."""
    return settings.SYSTEMS_CALLBACK_MAX_BYTES + (settings.SYSTEMS_ACCESS_FILE_MAX_BYTES + 2) // 3 * 4


def _file_of(payload: object) -> AccessFile | None:
    """The callback's "file": {"format": "json" | "csv", "content_base64": "..."}, or None."""
    if not isinstance(payload, dict) or payload.get("file") is None:
        return None
    spec = payload["file"]
    if not isinstance(spec, dict) or not isinstance(spec.get("content_base64"), str):
        raise AccessFileRefused('"file" is an object with "format" (json or csv) and "content_base64".')
    try:
        content = base64.b64decode(spec["content_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AccessFileRefused('"content_base64" is not valid base64.') from exc
    return access_file_checked(AccessFile(content=content, format=str(spec.get("format", "")).lower()))


@csrf_exempt
@require_POST
def callback(request: HttpRequest, reference: UUID) -> HttpResponse:
    """A system answers for its task: {"status": "done" | "nothing_held" | "failed",
    "counts": {name: number}, "message": text}, and for an access request answered done
    "file": {"format": "json" | "csv", "content_base64": ...} (UTF-8 text, size-limited).
    Signed like our events, with its own secret."""
    task = PropagationTask.objects.select_related("system").filter(reference=reference).first()
    limit = _callback_limit()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _error(f"The body is larger than {limit} bytes.", 413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error(f"The body is larger than {limit} bytes.", 413)
    # The same answer for an unknown task as for a bad signature: no hint which tasks exist.
    if task is None or not verify(secrets_=secrets_for(str(task.system_id)), body=body, headers=request.headers):
        return _error("The signature does not verify.", 401)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        # ValueError: not JSON, not UTF-8, or an integer past Python's digit limit (4 300);
        # RecursionError: arrays nested deeper than the parser recurses. All the sender's fault.
        return _error("The body is not JSON the portal can read.", 400)
    form = CallbackForm.from_payload(payload)
    if not form.is_valid():
        return JsonResponse({"error": "invalid answer", "fields": form.errors.get_json_data()}, status=400)
    try:
        task = propagation_task_report(
            task=task,
            answer=form.cleaned_data["status"],
            counts=form.cleaned_data["counts"],
            message=form.cleaned_data["message"],
            via="webhook",
            file=_file_of(payload),
        )
    except AccessFileRefused as exc:
        return _error(str(exc), exc.status)
    except ValidationError as exc:
        return _error("; ".join(exc.messages), 409)
    return JsonResponse({"task": str(task.reference), "state": task.state})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, reference: UUID, token: str) -> HttpResponse:
    """The page an emailed link opens: the system's contact says done / held nothing / failed."""
    try:
        task = task_for_link(reference=str(reference), token=token)
    except ValidationError:
        return render(request, "systems/confirm.html", {"invalid": True}, status=404)
    form = ConfirmForm(request.POST or None, request.FILES or None, access=task.action == "access")
    if request.method == "POST" and form.is_valid():
        try:
            task = propagation_task_confirm_by_link(
                reference=str(reference), token=token, answer=form.cleaned_data["answer"], file=form.access_file()
            )
        except AccessFileRefused as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        else:
            return render(request, "systems/confirm.html", {"done": True, "task": task})
    context = {
        "task": task,
        "form": form,
        "action": ACTION_LABELS.get(task.action, task.action),
        "file_limit": settings.SYSTEMS_ACCESS_FILE_MAX_BYTES,
    }
    return render(request, "systems/confirm.html", context, status=400 if form.errors else 200)
