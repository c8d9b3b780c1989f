"""Admin for systems' tasks (close one with a reason, tick a manual one off) and their webhook
secrets (made or rotated here, shown once, never again)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.admin import TrackedModelAdmin
from apps.core.admin.secrets import secret_shown_once
from apps.disclosures.models import Recipient
from apps.systems.forms import CloseForm, ConfirmManualForm
from apps.systems.models import PropagationTask, SystemSecret
from apps.systems.services import propagation_task_close, propagation_task_confirm, system_secret_rotate


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")),)

    def queryset(self, request, queryset):
        from django.utils import timezone

        if self.value() == "yes":
            return queryset.exclude(state__in=PropagationTask.SETTLED).filter(deadline_at__lt=timezone.now())
        return queryset


@admin.register(PropagationTask)
class PropagationTaskAdmin(TrackedModelAdmin):
    list_display = ("system", "request", "action", "connector", "state", "told_at", "deadline_at", "answered_at")
    list_filter = ("state", "connector", OverdueFilter)
    list_select_related = ("system", "request")
    search_fields = ("system__name",)
    readonly_fields = [f.name for f in PropagationTask._meta.fields if f.editable] + ["reference"]
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False  # tasks come from requests only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a record of who was told

    def _may_settle(self, request) -> bool:
        user = request.user
        return user.has_perm("systems.close_propagationtask") or user.has_perm("subject_requests.handle_subjectrequest")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        task = self.get_object(request, object_id)
        if task is None or not self.has_view_permission(request, task):
            raise PermissionDenied
        may_settle = self._may_settle(request) and not task.is_settled
        access = task.action == "access"
        close_form, confirm_form = CloseForm(), ConfirmManualForm(access=access)
        if request.method == "POST":
            if not may_settle:
                raise PermissionDenied
            try:
                if "close" in request.POST:
                    close_form = CloseForm(request.POST)
                    if close_form.is_valid():
                        propagation_task_close(task=task, actor=request.user, reason=close_form.cleaned_data["reason"])
                        messages.success(request, _("The task of %(system)s is closed.") % {"system": task.system})
                        return HttpResponseRedirect(self._request_url(task))
                elif "confirm" in request.POST:
                    confirm_form = ConfirmManualForm(request.POST, request.FILES, access=access)
                    if confirm_form.is_valid():
                        propagation_task_confirm(
                            task=task,
                            actor=request.user,
                            note=confirm_form.cleaned_data["note"],
                            file=confirm_form.access_file(),
                        )
                        messages.success(request, _("The task of %(system)s is confirmed.") % {"system": task.system})
                        return HttpResponseRedirect(self._request_url(task))
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(task),
            "task": task,
            "request_url": self._request_url(task),
            "may_settle": may_settle,
            "close_form": close_form,
            "confirm_form": confirm_form,
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/systems/propagationtask/task.html", context, status=status)

    @staticmethod
    def _request_url(task: PropagationTask) -> str:
        return reverse("admin:subject_requests_subjectrequest_change", args=[task.request_id])


class SecretForm(forms.ModelForm):
    class Meta:
        model = SystemSecret
        fields = ["system"]

    def clean_system(self):
        system = self.cleaned_data["system"]
        if system.connector != Recipient.Connector.WEBHOOK:
            raise ValidationError(_("Only a system told by webhook has a secret."))
        return system


@admin.register(SystemSecret)
class SystemSecretAdmin(admin.ModelAdmin):
    """Adding a secret rotates the system's: the new one is shown once, the old ones retire after
    a week (apps/systems/services/secrets.py). The stored secret is never displayed."""

    list_display = ("system", "created_at", "retires_at", "live")
    form = SecretForm
    fields = ("system",)
    list_select_related = ("system",)

    @admin.display(description=gettext_lazy("live"), boolean=True)
    def live(self, obj: SystemSecret) -> bool:
        return obj.is_live

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            made, plain = system_secret_rotate(system=obj.system, actor=request.user)
        except ValidationError as exc:
            raise PermissionDenied("; ".join(exc.messages)) from exc
        obj.pk, obj.encrypted, obj.created_at = made.pk, made.encrypted, made.created_at
        # Kept on this request only, for response_add's page: a message would put the plain
        # secret in the messages cookie, readable long after the page is gone.
        request._systems_new_secret = plain

    def response_add(self, request, obj, post_url_continue=None):
        plain = getattr(request, "_systems_new_secret", None)
        if plain is None:
            return super().response_add(request, obj, post_url_continue)
        return secret_shown_once(
            request,
            self,
            owner=obj.system,
            secret=plain,
            back_url=reverse("admin:systems_systemsecret_changelist"),
            back_label=_("Back to the webhook secrets"),
        )
