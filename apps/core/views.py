import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.health import health_report
from apps.core.mail import local_mailbox_open_to, mailbox_message_ids, mailbox_read


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def _require_local_mailbox(request: HttpRequest) -> None:
    # The mailbox shows every message sent, verification links included: it exists
    # only in the embedded default, never in production, and only for the developer's machine.
    if not local_mailbox_open_to(request):
        raise Http404


@never_cache
@require_GET
def mailbox_list(request: HttpRequest) -> HttpResponse:
    _require_local_mailbox(request)
    messages = []
    for message_id in mailbox_message_ids()[:200]:
        parsed = mailbox_read(message_id)
        if parsed is not None:
            messages.append(
                {"id": message_id, "to": parsed["To"], "subject": parsed["Subject"], "date": parsed["Date"]}
            )
    return render(request, "core/mailbox_list.html", {"mail": messages})


@never_cache
@require_GET
def mailbox_detail(request: HttpRequest, message_id: str) -> HttpResponse:
    _require_local_mailbox(request)
    parsed = mailbox_read(message_id)
    if parsed is None:
        raise Http404
    body = parsed.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    headers = [(k, v) for k, v in parsed.items()]
    return render(
        request,
        "core/mailbox_detail.html",
        {"message_id": message_id, "headers": headers, "text": text, "subject": parsed["Subject"]},
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Every uncaught error's page (``handler500``). The database out of reach (restarted, its
    connection cut, refusing writes) is a 503 that says so: the request's transaction was rolled
    back, so nothing was half saved and sending again is safe. Rendered without the request's
    context processors, which would ask the unreachable database again."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
