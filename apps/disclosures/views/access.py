"""Your Account → Staff access (P-24, P-25): thin views over services.access and selectors.access.

The customer approves or denies requests, ends open access, and sees every staff look at their
record or content. The staff side (/admin/customer-content/<reference>/) is admin.access.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.core.http import AuthenticatedHttpRequest
from apps.disclosures.domain import SUPPORT_ACCESS_DURATION
from apps.disclosures.selectors.access import (
    content_access_grant_get_for_customer,
    content_access_grant_rows_for_customer,
    staff_access_event_rows,
    staff_access_events_for_customer,
)
from apps.disclosures.services.access import content_access_decide, content_access_revoke

EVENTS_PER_PAGE = 20


@login_required
@never_cache
@require_GET
def customer_access(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = content_access_grant_rows_for_customer(customer=request.user)
    events_page = Paginator(staff_access_events_for_customer(customer=request.user), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "pending": [row for row in rows if row.is_pending],
        "active": [row for row in rows if row.is_active],
        "grants": rows,
        "page": events_page,
        "events": staff_access_event_rows(events_page.object_list),
        "support_hours": int(SUPPORT_ACCESS_DURATION.total_seconds() // 3600),
    }
    return render(request, "disclosures/access/customer.html", context)


@login_required
@require_POST
def customer_decide(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    grant = content_access_grant_get_for_customer(reference=reference, customer=request.user)
    decision = request.POST.get("decision", "")
    try:
        if decision == "approve":
            content_access_decide(grant=grant, customer=request.user, approve=True)
            messages.success(request, _("You approved the request. Access ends on its own after the time shown."))
        elif decision == "deny":
            content_access_decide(grant=grant, customer=request.user, approve=False)
            messages.success(request, _("You denied the request. Staff cannot open your content."))
        elif decision == "revoke":
            content_access_revoke(grant=grant, actor=request.user)
            messages.success(request, _("Access ended. Staff can no longer open your content."))
        else:
            return render(
                request,
                "disclosures/access/customer_error.html",
                {"message": _("Choose to approve, deny or end access.")},
                status=400,
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("disclosures_access:customer")
