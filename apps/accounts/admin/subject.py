"""A customer's admin page as a person, not a Django user: no staff, superuser or permission
fields, no Delete (an account is erased, through the engine, never deleted row by row), and
the privacy actions (Erase, Export, Place a hold, Record consent) each behind a confirmation
page that says in plain words what will happen.

Erase and Export go through the personal-data engines' services (erasure_start, export_request),
like the list's action and the customer's own pages; the hold and the consent are the other
apps' pages (their services), linked as subject tools.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.admin import SubjectPanel, is_object_id, register_subject_panel
from apps.core.admin.reauthentication import fresh_second_factor_required
from apps.core.clock import organisation_time

ERASE_PERMISSION = "personal_data.run_erasure"
EXPORT_PERMISSION = "personal_data.run_export"
STAFF_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def is_customer(user: User | None) -> bool:
    return user is not None and not user.is_staff and not user.is_superuser


class SubjectPageMixin:
    """For UserAdmin: the customer's page and its Erase and Export steps."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if not is_customer(obj):
            return fieldsets
        # A customer never holds staff access: the fields are not even shown.
        shown = []  # (name, options) pairs
        for name, options in fieldsets:
            fields = tuple(field for field in options.get("fields", ()) if field not in STAFF_FIELDS)
            if fields == ("is_active",) and shown:
                # What is left of the staff section is the account's own switch: with the account.
                previous_name, previous = shown[-1]
                shown[-1] = (previous_name, {**previous, "fields": (*previous["fields"], *fields)})
            elif fields:
                shown.append((name, {**options, "fields": fields}))
        return tuple(shown)

    def has_delete_permission(self, request, obj=None) -> bool:
        if is_customer(obj):
            return False  # Erase replaces Delete (the object tools link to it)
        return super().has_delete_permission(request, obj)  # type: ignore[misc]

    def get_actions(self, request):
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)  # customers are erased (the list's Erase action), not deleted
        return actions

    def get_urls(self):
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("<path:object_id>/erase/", wrap(self.subject_erase_view), name="accounts_user_erase"),
            path("<path:object_id>/export/", wrap(self.subject_export_view), name="accounts_user_export"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def subject_actions(self, request, subject: User) -> list[dict]:
        """The page's privacy actions this member of staff may take, for its object tools."""
        if not is_customer(subject):
            return []
        actions = []
        if request.user.has_perm(ERASE_PERMISSION):
            actions.append({"label": _("Erase…"), "url": reverse("admin:accounts_user_erase", args=[subject.pk])})
        if request.user.has_perm(EXPORT_PERMISSION):
            actions.append({"label": _("Export…"), "url": reverse("admin:accounts_user_export", args=[subject.pk])})
        return actions

    def _customer(self, request, object_id, permission: str) -> User:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        if not is_object_id(object_id):
            raise Http404
        subject = get_object_or_404(User, pk=object_id)
        if not is_customer(subject):
            raise PermissionDenied  # staff accounts lose their staff status first
        return subject

    def _page(self, request, subject: User, template: str, status: int = 200, **values):
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": User._meta,
            "subject": subject,
            "change_url": reverse("admin:accounts_user_change", args=[subject.pk]),
            **values,
        }
        return TemplateResponse(request, template, context, status=status)

    @fresh_second_factor_required(when=lambda self, request, object_id: request.method == "POST")
    def subject_erase_view(self, request, object_id):
        """Erase one customer: what will go and what stays, in words, then the reason and a yes."""
        from apps.personal_data.erasure.plan import erasure_plan
        from apps.personal_data.erasure.run import erasure_start
        from apps.personal_data.selectors.certificate import certificate_summary

        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        subject = self._customer(request, object_id, ERASE_PERMISSION)
        reason = request.POST.get("reason", "").strip()
        plan = certificate_summary({"plan": erasure_plan(subject=subject)})
        template = "admin/accounts/user/subject_erase.html"
        if request.method == "GET":
            return self._page(request, subject, template, title=_("Erase this person's data?"), plan=plan)
        if request.POST.get("confirm") != "yes" or not reason:
            error = _("Give a reason for the erasure (a request reference, or why the account goes).")
            return self._page(request, subject, template, 400, title=_("Erase this person's data?"), plan=plan,
                              reason=reason, error=error)  # fmt: skip
        try:
            run = erasure_start(subject=subject, actor=request.user, reason=reason[:200])
        except ValidationError as error:
            return self._page(request, subject, template, 400, title=_("Erase this person's data?"), plan=plan,
                              reason=reason, error=" ".join(error.messages))  # fmt: skip
        certificate = reverse("admin:personal_data_erasurerun_certificate", args=[run.pk])
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The erasure has started; the worker carries it out in the background."),
                certificate,
                _("Its certificate"),
            ),
        )
        return HttpResponseRedirect(certificate)

    def subject_export_view(self, request, object_id):
        """Prepare a copy of one customer's data (an access request answered by an officer)."""
        from apps.personal_data.export.run import export_request

        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        subject = self._customer(request, object_id, EXPORT_PERMISSION)
        template = "admin/accounts/user/subject_export.html"
        title = _("Prepare a copy of this person's data?")
        if request.method == "GET" or request.POST.get("confirm") != "yes":
            return self._page(request, subject, template, 200 if request.method == "GET" else 400, title=title)
        try:
            export = export_request(subject=subject, actor=request.user)
        except ValidationError as error:
            if error.code == "erasure_in_progress":  # the engine's message speaks to the customer
                message = _("This person's data is being erased, so no copy can be prepared now.")
            else:
                message = " ".join(error.messages)
            return self._page(request, subject, template, 409, title=title, error=message)
        messages.success(
            request,
            _("The copy is being prepared; the customer downloads it from Your Account once it is ready."),
        )
        return HttpResponseRedirect(reverse("admin:personal_data_dataexport_change", args=[export.pk]))


def sign_in_history(subject: User) -> str:
    """The page's inline lists the latest sign-ins; the whole history is the login-event list."""
    latest = subject.login_events.order_by("-occurred_at").first()
    full = f"{reverse('admin:accounts_loginevent_changelist')}?{urlencode({'account': str(subject.reference)})}"
    when = f"{organisation_time(latest.occurred_at):%Y-%m-%d %H:%M}" if latest else _("never")
    return format_html(
        '<p>{} {}. <a href="{}">{}</a></p>', _("Last sign-in attempt:"), when, full, _("Every sign-in attempt")
    )


register_subject_panel(
    SubjectPanel(
        key="sign_ins",
        title=gettext_lazy("Sign-in history"),
        permission="accounts.view_loginevent",
        render=sign_in_history,
        order=80,
    )
)
