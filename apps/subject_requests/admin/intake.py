"""Officer intake: "Record a request received by email, phone or letter" (P-31).

The officer says who the person is (their account, found by email, or the requester's
address and name when there is none), how their identity was checked (described, never a
document number), and when the request came in; ``subject_request_create`` files it, or
returns the open request of the same type it duplicates, which the officer is sent to.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.subject_requests import services
from apps.subject_requests.admin.attachments import subject_request_attach
from apps.subject_requests.admin.forms import IntakeForm
from apps.subject_requests.models import SubjectRequest


def intake_view(model_admin, request):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = IntakeForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created = _file(request, form)
            if created is not None:
                return created
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": SubjectRequest._meta,
        "title": _("Record a request received by email, phone or letter"),
        "form": form,
    }
    return TemplateResponse(request, "admin/subject_requests/subjectrequest/intake.html", context, status=status)


def _file(request, form: IntakeForm):
    data = form.cleaned_data
    try:
        with transaction.atomic():
            filed, created = services.subject_request_create(
                request_type=data["request_type"],
                channel=data["channel"],
                actor=request.user,
                subject=data["subject"],
                requester_email=data.get("requester_email") or "",
                requester_name=data.get("requester_name") or "",
                jurisdiction=data.get("jurisdiction"),
                received_at=data["received_at"],
                details=data.get("details") or "",
                verification_method=SubjectRequest.Verification.OFFICER,
                verification_note=form.verification_note(),
            )
            if data.get("attachment"):
                # Last, so a refused file leaves no request behind (and no file: see attachments.py).
                subject_request_attach(request=filed, upload=data["attachment"], actor=request.user)
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
