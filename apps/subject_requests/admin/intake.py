"""Officer intake: "Record a request received by email, phone or letter" (P-31), and the letters
and emails kept with a request (upload, download).

The officer says who the person is (their account, found by email, or the requester's
address and name when there is none), how their identity was checked (described, never a
document number), and when the request came in; ``subject_request_intake_file`` files it, or
returns the open request of the same type it duplicates, which the officer is sent to.

``IntakeAdminMixin`` adds these pages to SubjectRequestAdmin (admin/requests.py), whose
helpers (``_get``, ``_page_url``, ``_render_page``) they use.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.subject_requests.forms.intake import AttachmentForm, IntakeForm
from apps.subject_requests.models import RequestAttachment, SubjectRequest
from apps.subject_requests.services.intake import subject_request_attach, subject_request_intake_file


def download(attachment: RequestAttachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class IntakeAdminMixin:
    """The intake page (the add page leads to it) and attachments on SubjectRequestAdmin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("intake/", wrap(self.intake_view), name="subject_requests_subjectrequest_intake"),
            path("<path:object_id>/attach/", wrap(self.attach_view), name="subject_requests_subjectrequest_attach"),
            path(
                "<path:object_id>/attachments/<int:attachment_id>/",
                wrap(self.attachment_view),
                name="subject_requests_subjectrequest_attachment",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        # Refused here, not only on the intake page: no redirect for those who may not file one.
        if not self.has_add_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:subject_requests_subjectrequest_intake"))

    def intake_view(self, request):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IntakeForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                created = self._file(request, form)
                if created is not None:
                    return created
        context = {
            **self.admin_site.each_context(request),
            "opts": SubjectRequest._meta,
            "title": _("Record a request received by email, phone or letter"),
            "form": form,
        }
        return TemplateResponse(request, "admin/subject_requests/subjectrequest/intake.html", context, status=status)

    def _file(self, request, form: IntakeForm):
        data = form.cleaned_data
        try:
            filed, created = subject_request_intake_file(
                actor=request.user,
                request_type=data["request_type"],
                channel=data["channel"],
                subject=data["subject"],
                requester_email=data.get("requester_email") or "",
                requester_name=data.get("requester_name") or "",
                jurisdiction=data.get("jurisdiction"),
                received_at=data["received_at"],
                details=data.get("details") or "",
                verification_note=form.verification_note(),
                attachment=data.get("attachment"),  # kept last: a refused file leaves no request behind
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return None
        url = reverse("admin:subject_requests_subjectrequest_change", args=[filed.pk])
        if created:
            messages.success(
                request,
                format_html(
                    _("Request {} recorded; due {}."),
                    filed.short_reference,
                    f"{(filed.deadline):%Y-%m-%d}" if filed.deadline else "—",
                ),
            )
        else:
            messages.warning(
                request,
                format_html(
                    _(
                        'This person already has an open {} request: <a href="{}">{}</a>. It was not filed twice; '
                        "a note of the repeat was added to it."
                    ),
                    filed.get_request_type_display().lower(),
                    url,
                    filed.short_reference,
                ),
            )
        return HttpResponseRedirect(url)

    def attach_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._get(request, object_id)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                subject_request_attach(request=obj, upload=form.cleaned_data["file"], actor=request.user)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                self.message_user(request, _("File attached."), messages.SUCCESS)
                return HttpResponseRedirect(self._page_url(obj) + "#attachments")
        return self._render_page(request, obj, 400, attachment_form=form)

    def attachment_view(self, request, object_id, attachment_id):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        obj = self._get(request, object_id)
        attachment = get_object_or_404(RequestAttachment, pk=attachment_id, request=obj)
        return download(attachment)
