"""Staff access pages (P-24, P-25): thin views over apps.disclosures.access.

- Your Account → Staff access: the customer approves or denies requests, ends open access,
  and sees every staff look at their record or content.
- /admin/customer-content/<reference>/: the staff page, behind the MFA-gated admin_view. It
  shows the customer's content only under an active grant, and logs every opening.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.disclosures import access
from apps.disclosures.models import ContentAccessGrant, StaffAccessEvent

EVENTS_PER_PAGE = 20


class AccessRequestForm(forms.Form):
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"), choices=ContentAccessGrant.Purpose.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason shown to the customer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Plain words: what you need to look at and why."),
    )
    ticket_reference = forms.CharField(
        label=gettext_lazy("Ticket or case reference"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Required for a legal process."),
    )
    withhold_notification_reason = forms.CharField(
        label=gettext_lazy("Do not tell the customer, because…"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Legal process only: leave empty unless an order forbids telling the customer. "
            "Otherwise they are emailed as soon as access opens."
        ),
    )


# --- Your Account ------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def customer_access(request: HttpRequest) -> HttpResponse:
    rows = access.content_access_grant_rows_for_customer(customer=request.user)
    events_page = Paginator(access.staff_access_events_for_customer(customer=request.user), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "pending": [row for row in rows if row.is_pending],
        "active": [row for row in rows if row.is_active],
        "grants": rows,
        "page": events_page,
        "events": access.staff_access_event_rows(events_page.object_list),
        "support_hours": int(access.SUPPORT_ACCESS_DURATION.total_seconds() // 3600),
    }
    return render(request, "disclosures/access/customer.html", context)


@login_required
@require_POST
def customer_decide(request: HttpRequest, reference) -> HttpResponse:
    grant = access.content_access_grant_get_for_customer(reference=reference, customer=request.user)
    decision = request.POST.get("decision", "")
    try:
        if decision == "approve":
            access.content_access_decide(grant=grant, customer=request.user, approve=True)
            messages.success(request, _("You approved the request. Access ends on its own after the time shown."))
        elif decision == "deny":
            access.content_access_decide(grant=grant, customer=request.user, approve=False)
            messages.success(request, _("You denied the request. Staff cannot open your content."))
        elif decision == "revoke":
            access.content_access_revoke(grant=grant, actor=request.user)
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


# --- Staff ---------------------------------------------------------------------------------------


def _require_request_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(access.REQUEST_PERMISSION):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET", "POST"])
def staff_customer_content(request: HttpRequest, reference) -> HttpResponse:
    """The customer's content under an active grant; otherwise the explanation and the request form."""
    _require_request_permission(request)
    customer = access.content_access_customer_get_by_reference(reference=reference)
    staff = request.user
    base_context = {
        **admin.site.each_context(request),
        "customer_reference": str(customer.reference),
        "customer_name": customer.full_name or customer.email,
    }
    grant = access.content_access_active(staff=staff, customer=customer)
    if request.method == "POST":
        form = AccessRequestForm(request.POST)
        if form.is_valid():
            try:
                created = access.content_access_request(staff=staff, customer=customer, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if created.status == ContentAccessGrant.Status.APPROVED:
                    messages.success(request, _("Access is open for the legal process."))
                else:
                    messages.success(request, _("Request sent. The customer approves or denies it in Your Account."))
                return redirect("disclosures_access:staff_content", reference=customer.reference)
        status = 400
    else:
        if grant is not None:
            access.staff_access_log(
                staff=staff, customer=customer, kind=StaffAccessEvent.Kind.CONTENT_VIEW, path=request.path, grant=grant
            )
            context = {
                **base_context,
                "title": _("Customer content"),
                "grant": grant,
                "content": access.customer_content(customer=customer),
            }
            return render(request, "admin/disclosures/access/content.html", context)
        form = AccessRequestForm()
        # No active grant: the content is forbidden; the page says why and how to ask.
        status = 403
    context = {
        **base_context,
        "title": _("Access to customer content"),
        "form": form,
        "grants": access.content_access_grants_for_staff(staff=staff, customer=customer),
        "support_hours": int(access.SUPPORT_ACCESS_DURATION.total_seconds() // 3600),
        "legal_hours": int(access.LEGAL_ACCESS_DURATION.total_seconds() // 3600),
    }
    return render(request, "admin/disclosures/access/request.html", context, status=status)


@never_cache
@require_GET
def staff_customer_picture(request: HttpRequest, reference) -> FileResponse:
    """The customer's profile picture, for staff holding an active grant only (logged)."""
    _require_request_permission(request)
    customer = access.content_access_customer_get_by_reference(reference=reference)
    grant = access.content_access_active(staff=request.user, customer=customer)
    if grant is None:
        raise PermissionDenied
    if not customer.profile_picture:
        raise Http404
    try:
        handle = customer.profile_picture.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    access.staff_access_log(
        staff=request.user,
        customer=customer,
        kind=StaffAccessEvent.Kind.CONTENT_VIEW,
        path=request.path,
        grant=grant,
    )
    name = customer.profile_picture.name.rsplit(".", 1)[-1].lower()
    content_type = {"png": "image/png", "webp": "image/webp"}.get(name, "image/jpeg")
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def staff_end_access(request: HttpRequest, reference) -> HttpResponse:
    """The staff member is done: close their own open access early."""
    customer = access.content_access_customer_get_by_reference(reference=reference)
    grant = access.content_access_active(staff=request.user, customer=customer)
    if grant is not None:
        try:
            access.content_access_revoke(grant=grant, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your access to this customer's content has ended."))
    return redirect("disclosures_access:staff_content", reference=customer.reference)
