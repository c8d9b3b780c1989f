"""Your Account → Your data: ask for a copy of your data and download it (thin views)."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.personal_data.export.download import DownloadError, export_download_token, export_for_download
from apps.personal_data.export.run import ACTIVE, export_request
from apps.personal_data.models import DataExport
from apps.personal_data.selectors import exports_for_subject

PAGE_SIZE = 10


@login_required
@never_cache
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def data(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # login_required
    if request.method == "POST":
        try:
            export = export_request(subject=user, actor=user)
        except ValidationError as exc:
            return _error(request, " ".join(exc.messages), 409)
        if export.status in ACTIVE:
            messages.success(request, _("We are preparing your download. We will email you when it is ready."))
        return redirect("personal_data:data")
    exports = list(exports_for_subject(subject=user)[:PAGE_SIZE])
    rows = [
        {
            "export": export,
            "url": reverse("personal_data:download", kwargs={"token": export_download_token(export)})
            if export.status == DataExport.Status.READY
            else None,
        }
        for export in exports
    ]
    in_progress = any(export.status in ACTIVE for export in exports)
    return render(request, "personal_data/data.html", {"exports": rows, "in_progress": in_progress})


@login_required
@reauthentication_required
@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    user = request.user
    assert user.is_authenticated  # login_required
    try:
        export = export_for_download(token=token, user=user)
        handle = export.file.open("rb")
    except DownloadError as exc:
        return _error(request, exc.message, exc.status)
    except FileNotFoundError:
        return _error(request, _("The file of this download is missing. Prepare a new download of your data."), 410)
    filename = f"your-data-{export.created_at:%Y-%m-%d}.zip"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    response = render(request, "personal_data/download_error.html", {"message": message}, status=status)
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
