"""Admin for staff access to customer content (P-24, P-25): the staff page, grants and the audit log.

- /admin/customer-content/<reference>/ (with ``picture/`` and ``end/``): the staff page, a
  site-level admin page (``register_site_views``, called from DisclosuresConfig.ready) behind the
  admin's sign-in and MFA gate. It shows the customer's content only under an active grant, and
  logs every opening; without one it says why and offers the request form.
- Grants and events are read-only here. Grants are created from the customer-content page
  (through ``content_access_request``), decided by the customer, and ended by
  ``content_access_revoke`` (the "End access" action, for officers). Events are written only by
  ``staff_access_log``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.admin import FieldViewRuleMixin, ReadOnlyAdmin, SubjectTool, register_subject_look, register_subject_tool
from apps.core.admin.site import register_site_view
from apps.core.http import AuthenticatedHttpRequest
from apps.disclosures.domain import (
    LEGAL_ACCESS_DURATION,
    REQUEST_PERMISSION,
    REVOKE_ANY_PERMISSION,
    SUPPORT_ACCESS_DURATION,
)
from apps.disclosures.forms.access import AccessRequestForm
from apps.disclosures.models import ContentAccessGrant, StaffAccessEvent
from apps.disclosures.selectors.access import (
    content_access_active,
    content_access_customer_get_by_reference,
    content_access_grants_for_staff,
    customer_content,
)
from apps.disclosures.services.access import content_access_request, content_access_revoke, staff_access_log

# --- The staff page: /admin/customer-content/<reference>/ -----------------------------------------


def may_request_access(user) -> bool:
    return user.has_perm(REQUEST_PERMISSION)


def may_end_own_access(user) -> bool:
    # Any staff member (the admin's gate) may end their own access; the view touches only theirs.
    return True


def register_site_views() -> None:
    """Add the staff pages to the admin site (called from DisclosuresConfig.ready)."""
    register_site_view(
        "customer-content/<uuid:reference>/",
        staff_customer_content,
        name="disclosures_staff_content",
        may_view=may_request_access,
    )
    register_site_view(
        "customer-content/<uuid:reference>/picture/",
        staff_customer_picture,
        name="disclosures_staff_picture",
        may_view=may_request_access,
    )
    register_site_view(
        "customer-content/<uuid:reference>/end/",
        staff_end_access,
        name="disclosures_staff_end",
        may_view=may_end_own_access,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def staff_customer_content(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    """The customer's content under an active grant; otherwise the explanation and the request form."""
    customer = content_access_customer_get_by_reference(reference=reference)
    staff = request.user
    base_context = {
        **admin.site.each_context(request),
        "customer_reference": str(customer.reference),
        "customer_name": customer.full_name or customer.email,
    }
    grant = content_access_active(staff=staff, customer=customer)
    if request.method == "POST":
        form = AccessRequestForm(request.POST)
        if form.is_valid():
            try:
                created = content_access_request(staff=staff, customer=customer, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if created.status == ContentAccessGrant.Status.APPROVED:
                    messages.success(request, _("Access is open for the legal process."))
                else:
                    messages.success(request, _("Request sent. The customer approves or denies it in Your Account."))
                return redirect("admin:disclosures_staff_content", reference=customer.reference)
        status = 400
    else:
        if grant is not None:
            staff_access_log(
                staff=staff, customer=customer, kind=StaffAccessEvent.Kind.CONTENT_VIEW, path=request.path, grant=grant
            )
            context = {
                **base_context,
                "title": _("Customer content"),
                "grant": grant,
                "content": customer_content(customer=customer, staff=staff),
            }
            return render(request, "admin/disclosures/access/content.html", context)
        form = AccessRequestForm()
        # No active grant: the content is forbidden; the page says why and how to ask.
        status = 403
    context = {
        **base_context,
        "title": _("Access to customer content"),
        "form": form,
        "grants": content_access_grants_for_staff(staff=staff, customer=customer),
        "support_hours": int(SUPPORT_ACCESS_DURATION.total_seconds() // 3600),
        "legal_hours": int(LEGAL_ACCESS_DURATION.total_seconds() // 3600),
    }
    return render(request, "admin/disclosures/access/request.html", context, status=status)


@never_cache
@require_GET
def staff_customer_picture(request: AuthenticatedHttpRequest, reference) -> FileResponse:
    """The customer's profile picture, for staff holding an active grant only (logged)."""
    customer = content_access_customer_get_by_reference(reference=reference)
    grant = content_access_active(staff=request.user, customer=customer)
    if grant is None:
        raise PermissionDenied
    if not customer.profile_picture:
        raise Http404
    try:
        handle = customer.profile_picture.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    staff_access_log(
        staff=request.user,
        customer=customer,
        kind=StaffAccessEvent.Kind.CONTENT_VIEW,
        path=request.path,
        grant=grant,
    )
    assert customer.profile_picture.name is not None  # a set picture (checked above) has a name
    name = customer.profile_picture.name.rsplit(".", 1)[-1].lower()
    content_type = {"png": "image/png", "webp": "image/webp"}.get(name, "image/jpeg")
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def staff_end_access(request: AuthenticatedHttpRequest, reference) -> HttpResponse:
    """The staff member is done: close their own open access early."""
    customer = content_access_customer_get_by_reference(reference=reference)
    grant = content_access_active(staff=request.user, customer=customer)
    if grant is not None:
        try:
            content_access_revoke(grant=grant, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your access to this customer's content has ended."))
    return redirect("admin:disclosures_staff_content", reference=customer.reference)


# --- Grants and the audit log -------------------------------------------------------------------


@admin.register(ContentAccessGrant)
class ContentAccessGrantAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    """Grants of staff access to a customer's content. Auditors see them under the view rule:
    which staff member, for what purpose and how long, the customer as "a customer"."""

    person_fields = ("customer",)
    list_display = (
        "created_at",
        "customer",
        "staff",
        "purpose",
        "status",
        "ticket_reference",
        "expires_at",
        "customer_notified_at",
        "notice_withheld",
    )
    list_filter = ("status", "purpose", ("staff", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reference", "ticket_reference", "customer__email", "customer__reference", "staff__email")
    date_hierarchy = "created_at"
    list_select_related = ("customer", "staff")
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "reference",
        "customer",
        "staff",
        "purpose",
        "reason",
        "ticket_reference",
        "status",
        "created_at",
        "decided_at",
        "expires_at",
        "customer_notified_at",
        "notification_withheld_reason",
    )
    readonly_fields = fields
    actions = ["end_access"]

    @admin.display(boolean=True, description=gettext_lazy("notice withheld"))
    def notice_withheld(self, obj: ContentAccessGrant) -> bool:
        return bool(obj.notification_withheld_reason)

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm(REVOKE_ANY_PERMISSION)

    @admin.action(description=gettext_lazy("End access now"), permissions=["revoke"])
    def end_access(self, request, queryset):
        ended = 0
        for grant in queryset:
            try:
                content_access_revoke(grant=grant, actor=request.user)
            except (ValidationError, PermissionDenied):
                continue
            ended += 1
        self.message_user(
            request,
            ngettext("Ended %(count)d grant.", "Ended %(count)d grants.", ended) % {"count": ended},
            messages.SUCCESS,
        )


@admin.register(StaffAccessEvent)
class StaffAccessEventAdmin(FieldViewRuleMixin, ReadOnlyAdmin):
    """The audit log of staff looks at customers, for auditors and officers (auditors under
    the view rule: the customer as "a customer", followed by the grant's reference)."""

    person_fields = ("customer",)

    list_display = ("occurred_at", "staff", "customer", "kind", "grant_link", "path")
    list_filter = ("kind", ("staff", admin.RelatedOnlyFieldListFilter))
    search_fields = ("customer__email", "customer__reference", "staff__email", "path")
    date_hierarchy = "occurred_at"
    list_select_related = ("staff", "customer", "grant")
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description=gettext_lazy("grant"))
    def grant_link(self, obj: StaffAccessEvent) -> str:
        if obj.grant is None:
            return "—"
        url = reverse("admin:disclosures_contentaccessgrant_change", args=[obj.grant.pk])
        return format_html('<a href="{}">{}</a>', url, obj.grant)


# --- On the subject's page (apps.core.admin, subject panels) ---------------------------------


def _log_the_look(request: HttpRequest, subject) -> None:
    # Every staff look at a customer's record is logged for auditors and the customer (P-25).
    assert isinstance(request.user, User)  # the subject's admin page: a signed-in staff member
    staff_access_log(staff=request.user, customer=subject, kind=StaffAccessEvent.Kind.RECORD_VIEW, path=request.path)


register_subject_look("disclosures.staff_access_log", _log_the_look)
register_subject_tool(
    SubjectTool(
        key="content_access",
        label=gettext_lazy("Request access to content…"),
        permission=REQUEST_PERMISSION,
        url=lambda subject: reverse("admin:disclosures_staff_content", kwargs={"reference": subject.reference}),
        order=20,
    )
)
