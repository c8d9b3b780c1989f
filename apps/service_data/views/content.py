"""Your Account pages: content (the customer's files, and the optional kinds they refuse)."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.http import AuthenticatedHttpRequest
from apps.service_data.domain.content import ALLOWED_TYPES, TEXT
from apps.service_data.forms.content import ContentUploadForm
from apps.service_data.models import ContentItem, OptionalKind
from apps.service_data.selectors.content import (
    content_item_get_for_owner,
    content_items_for_owner,
    optional_kind_holdings,
    optional_kinds_refused,
    shared_post_get_for_author,
    shared_posts_for_author,
)
from apps.service_data.services.content import (
    content_delete,
    content_upload,
    optional_kind_allow,
    optional_kind_refuse,
    shared_post_delete,
)

# Every type an upload can be kept under; anything else is served as bytes.
SAFE_TYPES = {content_type for types in ALLOWED_TYPES.values() for content_type in types}


def _page(request: AuthenticatedHttpRequest, form: ContentUploadForm, *, status: int = 200) -> HttpResponse:
    items = list(content_items_for_owner(owner=request.user))
    refused = optional_kinds_refused(request.user)
    sections = [
        {"kind": kind, "label": label, "items": [item for item in items if item.kind == kind]}
        for kind, label in ContentItem.Kind.choices
    ]
    optional = [{"kind": kind, "label": label, "refused": kind in refused} for kind, label in OptionalKind.choices]
    posts = list(shared_posts_for_author(author=request.user))
    context = {"form": form, "sections": sections, "posts": posts, "optional": optional}
    return render(request, "service_data/content.html", context, status=status)


@login_required
@require_GET
def content(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, ContentUploadForm())


class UploadCap(FileUploadHandler):
    """Stops reading a file once it passes the largest size any kind accepts, so an endless
    upload cannot fill the disk with a temporary file before the service refuses it; the
    view then says the file is too large. (Each kind's own limit is the service's.)"""

    def __init__(self, request, cap: int) -> None:
        super().__init__(request)
        self.cap = cap

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.cap:
            self.request.content_upload_too_large = True  # type: ignore[union-attr]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers (memory, then temporary file) keep the file


@login_required
@csrf_exempt  # the upload handlers must be set before the CSRF check reads the body…
@require_POST
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    request.upload_handlers.insert(0, UploadCap(request, max(settings.CONTENT_UPLOAD_MAX_BYTES.values())))
    return _upload(request)


@csrf_protect  # …so the check is made here, as for every other form
def _upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ContentUploadForm(request.POST, request.FILES)
    if getattr(request, "content_upload_too_large", False):
        form.is_valid()
        form.errors.pop("file", None)
        limit = max(settings.CONTENT_UPLOAD_MAX_BYTES.values())
        form.add_error(
            "file", _("The file is too large: no file may be over %(limit)s.") % {"limit": filesizeformat(limit)}
        )
        return _page(request, form, status=400)
    if form.is_valid():
        try:
            item = content_upload(
                owner=request.user,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                uploaded_file=form.cleaned_data["file"],
                actor=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except OSError:  # the storage is away: nothing was saved (save_with_file), say so
            return render(request, "service_data/content_unavailable.html", status=503)
        else:
            messages.success(request, _("“%(title)s” was uploaded.") % {"title": item.title})
            return redirect("service_data:content")
    return _page(request, form, status=400)


@login_required
@never_cache
@require_GET
def download(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse | FileResponse:
    """The owner's own file, as a download: never shown inline, never sniffed, never scripted,
    and never a link into the storage (the portal reads it and passes it on)."""
    item = content_item_get_for_owner(reference=reference, owner=request.user)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    except OSError:  # the storage is away (apps/core/storage.py): say so, not a server error
        return render(request, "service_data/content_unavailable.html", status=503)
    content_type = item.content_type if item.content_type in SAFE_TYPES else "application/octet-stream"
    if content_type == TEXT:
        content_type = "text/plain; charset=utf-8"
    response = FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Opened by mistake in a tab, the file runs nothing and reaches nothing (django-csp keeps
    # a policy a view has set).
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    item = content_item_get_for_owner(reference=reference, owner=request.user)
    if request.method == "POST":
        outcome = content_delete(item=item, actor=request.user)
        if outcome.held:
            messages.warning(
                request, _("We must keep this file for now under a legal obligation; it will be deleted after.")
            )
        else:
            messages.success(request, _("“%(title)s” was deleted.") % {"title": item.title})
        return redirect("service_data:content")
    return render(request, "service_data/content_delete.html", {"item": item})


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    post = shared_post_get_for_author(reference=reference, author=request.user)
    if request.method == "POST":
        outcome = shared_post_delete(post=post, actor=request.user)
        if outcome.held:
            messages.warning(
                request, _("We must keep this post for now under a legal obligation; it will be deleted after.")
            )
        else:
            messages.success(request, _("Your post was deleted."))
        return redirect("service_data:content")
    return render(request, "service_data/content_post_delete.html", {"post": post})


def _optional_kind(kind: str) -> OptionalKind:
    if kind not in OptionalKind.values:
        raise Http404
    return OptionalKind(kind)


@login_required
@require_http_methods(["GET", "POST"])
def refuse(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """Confirm, then refuse an optional kind: the page says what will be deleted."""
    optional = _optional_kind(kind)
    if request.method == "POST":
        outcome = optional_kind_refuse(subject=request.user, kind=optional, actor=request.user)
        label = str(optional.label).lower()
        if outcome.held:
            messages.warning(
                request,
                _(
                    "We will take no more %(kind)s. What you gave us must be kept for now under a legal "
                    "obligation; it will be deleted after."
                )
                % {"kind": label},
            )
        else:
            messages.success(
                request,
                _("We will take no more %(kind)s, and deleted the %(count)s you gave us.")
                % {"kind": label, "count": outcome.rows},
            )
        return redirect("service_data:content")
    holdings = optional_kind_holdings(subject=request.user, kind=optional)
    return render(request, "service_data/content_refuse.html", {"kind": optional, "holdings": holdings})


@login_required
@require_POST
def allow(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    optional = _optional_kind(kind)
    optional_kind_allow(subject=request.user, kind=optional, actor=request.user)
    messages.success(request, _("You allow %(kind)s again.") % {"kind": str(optional.label).lower()})
    return redirect("service_data:content")


urlpatterns: list[URLPattern] = [
    path("account/service/content/", content, name="content"),
    path("account/service/content/upload/", upload, name="content_upload"),
    path("account/service/content/<uuid:reference>/download/", download, name="content_download"),
    path("account/service/content/<uuid:reference>/delete/", delete, name="content_delete"),
    path("account/service/shared/<uuid:reference>/delete/", post_delete, name="shared_post_delete"),
    path("account/service/optional/<slug:kind>/refuse/", refuse, name="optional_refuse"),
    path("account/service/optional/<slug:kind>/allow/", allow, name="optional_allow"),
]
