"""Admin for mailings: officers draft, check, send and watch marketing campaigns (P-10..P-12).

Every write goes through ``apps.consent.services.marketing``: drafting, changing and deleting a
campaign, and sending it after the "Send to N people?" page. A campaign can be changed only while it is a
draft. Policy-change notices are listed here read-only; they are scheduled and resumed from
their policy version's page (``apps.consent.admin.policy``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.consent.forms import CampaignForm
from apps.consent.mailing.kinds import remaining_audience
from apps.consent.models import Mailing
from apps.consent.services.marketing import campaign_create, campaign_delete, campaign_send, campaign_update

CHANGE_PERMISSION = "consent.change_mailing"
IN_PROGRESS = (Mailing.Status.QUEUED, Mailing.Status.SENDING)
SENDABLE = (Mailing.Status.DRAFT, Mailing.Status.FAILED)


def _is_campaign_draft(obj: Mailing | None) -> bool:
    return obj is not None and obj.kind == Mailing.Kind.MARKETING and obj.status == Mailing.Status.DRAFT


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ("subject_line", "kind", "purpose", "status", "progress", "created_by", "created_at")
    list_filter = ("kind", "status", ("purpose", admin.RelatedOnlyFieldListFilter))
    search_fields = ("subject_line", "body")
    list_select_related = ("purpose", "created_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50
    shown_fields = (
        "reference",
        "kind",
        "purpose",
        "policy_version",
        "subject_line",
        "body",
        "status",
        "progress",
        "started_at",
        "finished_at",
        "last_error",
        "created_by",
        "created_at",
    )

    # --- Who may do what -------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None) -> bool:
        # Sent, sending and notice mailings are shown read-only to everyone.
        return super().has_change_permission(request, obj) and (obj is None or _is_campaign_draft(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only a draft that nobody received; what was sent stays as the record of it.
        return super().has_delete_permission(request, obj) and _is_campaign_draft(obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def can_send(self, request, obj: Mailing | None) -> bool:
        return (
            obj is not None
            and obj.kind == Mailing.Kind.MARKETING
            and obj.status in SENDABLE
            and request.user.has_perm(CHANGE_PERMISSION)
        )

    # --- Pages -----------------------------------------------------------------------------------

    def get_fields(self, request, obj=None):
        if obj is None or self.has_change_permission(request, obj):
            return ("purpose", "subject_line", "body") if obj is None else ("purpose", "subject_line", "body", "status")
        return [f for f in self.shown_fields if f != "policy_version" or obj.kind == Mailing.Kind.POLICY_NOTICE]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if self.has_change_permission(request, obj):
            return ("status",)
        return self.shown_fields

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj: Mailing) -> str:
        if obj.status == Mailing.Status.DRAFT:
            return "—"
        return _("%(sent)s of %(audience)s sent (%(percent)s%%)") % {
            "sent": obj.sent_count,
            "audience": obj.audience_size,
            "percent": obj.progress_percent,
        }

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        fields = {"purpose": data["purpose"], "subject_line": data["subject_line"], "body": data["body"]}
        if change:
            saved = campaign_update(mailing=obj, actor=request.user, **fields)
        else:
            saved = campaign_create(actor=request.user, **fields)
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request, form, formsets, change) -> None:
        pass  # a mailing has no related rows to save from this form

    def delete_model(self, request, obj) -> None:
        if not _is_campaign_draft(obj):
            raise PermissionDenied
        campaign_delete(mailing=obj, actor=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # the service refused (say, sent meanwhile)
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if object_id.isdigit() else None
        extra = {"can_send": self.can_send(request, obj), "in_progress": obj is not None and obj.status in IN_PROGRESS}
        if obj is not None and obj.kind == Mailing.Kind.MARKETING and obj.status in SENDABLE:
            # What "send" would do now: the audience is counted afresh, as the worker will.
            extra["audience_now"] = remaining_audience(obj).count()
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("<path:object_id>/send/", wrap(self.send_view), name="consent_mailing_send"), *super().get_urls()]

    def send_view(self, request, object_id):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        if not object_id.isdigit():
            raise Http404
        mailing = get_object_or_404(Mailing.objects.select_related("purpose"), pk=object_id)
        change_url = reverse("admin:consent_mailing_change", args=[mailing.pk])
        if not self.can_send(request, mailing):
            self.message_user(request, _("This mailing cannot be sent from here."), messages.ERROR)
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            try:
                mailing = campaign_send(mailing=mailing, actor=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Sending to %(count)s people has started.") % {"count": mailing.audience_size},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Send this campaign?"),
            "original": mailing,
            "audience": remaining_audience(mailing).count(),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/consent/mailing/send_confirm.html", context)
