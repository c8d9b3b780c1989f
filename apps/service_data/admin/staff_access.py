"""Staff open a customer's file under an active content-access grant, and every opening is logged (P-24, P-25).

A site-level admin page (behind the admin's sign-in and MFA gate), linked from the disclosures
app's staff page through its content hook (selectors.staff_access). The grant is checked on
every request, not when the link was shown: a revoked or expired grant opens nothing.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import FileResponse, Http404, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.admin.site import register_site_view
from apps.core.http import AuthenticatedHttpRequest
from apps.disclosures.admin.access import may_request_access
from apps.disclosures.models import StaffAccessEvent
from apps.disclosures.selectors.access import content_access_active, content_access_customer_get_by_reference
from apps.disclosures.services.access import staff_access_log
from apps.service_data.selectors.staff_access import content_item_get_for_staff

# Shown in the browser; anything else downloads as a file. A stored file's type is the one the
# upload check found in its bytes, but even so only these types render on the portal's origin.
INLINE_TYPES = frozenset(
    {
        "application/pdf",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/x-wav",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/webp",
        "text/plain",
        "video/mp4",
        "video/webm",
    }
)


def register_site_views() -> None:
    register_site_view(
        "customer-content/<uuid:reference>/files/<uuid:item>/",
        staff_content_file,
        name="service_data_staff_file",
        may_view=may_request_access,
    )


@never_cache
@require_GET
def staff_content_file(request: AuthenticatedHttpRequest, reference, item) -> HttpResponseBase:
    customer = content_access_customer_get_by_reference(reference=reference)
    grant = content_access_active(staff=request.user, customer=customer)
    if grant is None:
        context = {
            **admin.site.each_context(request),
            "title": _("No access to this file"),
            "content_url": reverse("admin:disclosures_staff_content", kwargs={"reference": customer.reference}),
        }
        return render(request, "admin/service_data/staff_file_denied.html", context, status=403)
    content_item = content_item_get_for_staff(customer=customer, reference=item)
    try:
        handle = content_item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    except OSError:  # the storage is away: say so, not a server error (nothing was opened)
        return render(request, "service_data/content_unavailable.html", status=503)
    # Logged before the bytes leave; the path names the item's reference, not its file name.
    staff_access_log(
        staff=request.user, customer=customer, kind=StaffAccessEvent.Kind.CONTENT_VIEW, path=request.path, grant=grant
    )
    inline = content_item.content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        content_type=content_item.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=content_item.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Whatever the file is, it runs no script and reaches nothing on the portal's origin.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
    return response
