"""A breach's notification pages: the authority's document (printable) and its submissions, the
people's emails (a confirmation with their number, then progress), the public notice."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.breaches.forms import NotifyForm, SubmissionForm
from apps.breaches.models import BreachClock, Recipient
from apps.breaches.selectors.notices import authority_document_context
from apps.breaches.selectors.people import latest_affected_set
from apps.breaches.services.clocks import breach_clock_delay_reason_record, breach_clocks_sync
from apps.breaches.services.notices import (
    authority_submission_record,
    breach_people_notify,
    breach_people_notify_resume,
    breach_public_notice_publish,
)


class NoticePagesMixin:
    def notice_urls(self, view):
        return [
            path("<path:object_id>/document/", view(self.document_view), name="breaches_breach_document"),
            path("<path:object_id>/submission/", view(self.submission_view), name="breaches_breach_submission"),
            path("<path:object_id>/notify/", view(self.notify_view), name="breaches_breach_notify"),
            path("<path:object_id>/publish/", view(self.publish_view), name="breaches_breach_publish"),
        ]

    def document_view(self, request, object_id):
        breach = self._breach(request, object_id, change=False)  # type: ignore[attr-defined]
        clocks = breach.clocks.exclude(rule__recipient=Recipient.PEOPLE).select_related("rule__jurisdiction")
        clock = clocks.filter(pk=request.GET.get("clock")).first() if request.GET.get("clock", "").isdigit() else None
        context = authority_document_context(breach, clock or clocks.first())
        return self._page(  # type: ignore[attr-defined]
            request, breach, "document.html", _("Notification to the supervisory authority"), clocks=clocks, **context
        )

    def submission_view(self, request, object_id):
        breach = self._breach(request, object_id)  # type: ignore[attr-defined]
        form = SubmissionForm(request.POST or None, breach=breach, initial={"submitted_at": timezone.now()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                authority_submission_record(
                    clock=data["clock"],
                    phase=data["phase"],
                    submitted_at=data["submitted_at"],
                    method=data["method"],
                    authority_reference=data["authority_reference"],
                    delay_reason=data["delay_reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self._done(request, breach, _("The submission is recorded."))  # type: ignore[attr-defined]
        return self._page(  # type: ignore[attr-defined]
            request, breach, "form.html", _("Record a submission to an authority"), form=form, submit=_("Record it")
        )

    def notify_view(self, request, object_id):
        breach = self._breach(request, object_id)  # type: ignore[attr-defined]
        if not request.user.has_perm("breaches.notify_breach"):
            raise PermissionDenied
        form = NotifyForm(request.POST or None)
        if breach.mailing is not None:
            try:
                breach_clocks_sync(breach=breach, actor=request.user)  # a finished mailing stops the people's clock
            except ValidationError as error:
                form.add_error(None, error)
        owed = [c for c in breach.clocks.filter(status=BreachClock.Status.LATE).select_related("rule") if c.reason_owed]
        if request.method == "POST" and owed and "reasons" in request.POST and form.is_valid():
            try:
                for clock in owed:
                    breach_clock_delay_reason_record(
                        clock=clock, delay_reason=form.cleaned_data["delay_reason"], actor=request.user
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self._done(request, breach, _("The reasons for the delay are recorded."))  # type: ignore[attr-defined]
        if request.method == "POST" and breach.mailing is not None and "resume" in request.POST:
            try:
                breach_people_notify_resume(breach=breach, actor=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self._done(request, breach, _("The rest of the notice is being sent."))  # type: ignore[attr-defined]
        # Only the send button sends: a refused "reasons" form must never fall through to sending.
        if request.method == "POST" and breach.mailing is None and "reasons" not in request.POST and form.is_valid():
            try:
                breach_people_notify(breach=breach, actor=request.user, delay_reason=form.cleaned_data["delay_reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return self._done(request, breach, _("The people's notice is being sent."))  # type: ignore[attr-defined]
        late = breach.clocks.filter(
            rule__recipient=Recipient.PEOPLE, status=BreachClock.Status.RUNNING, due_at__lt=timezone.now()
        ).exists()
        return self._page(  # type: ignore[attr-defined]
            request,
            breach,
            "notify.html",
            _("Email the people affected"),
            form=form,
            affected=latest_affected_set(breach),
            mailing=breach.mailing,
            late=late,
            reasons_owed=owed,
            reasons_posted=request.method == "POST" and "reasons" in request.POST,
        )

    def publish_view(self, request, object_id):
        breach = self._breach(request, object_id)  # type: ignore[attr-defined]
        if not request.user.has_perm("breaches.notify_breach"):
            raise PermissionDenied  # publishing tells the people, as the emails do
        errors = []
        if request.method == "POST":
            try:
                breach_public_notice_publish(breach=breach, actor=request.user)
            except ValidationError as error:
                errors = error.messages
            else:
                return self._done(request, breach, _("The public notice is published."))  # type: ignore[attr-defined]
        return self._page(  # type: ignore[attr-defined]
            request,
            breach,
            "confirm.html",
            _("Publish a public notice"),
            errors=errors,
            question=_(
                "Publish the people's notice on a public page? Use it when telling each person would take "
                "disproportionate effort (Art. 34(3)(c)), or alongside the emails."
            ),
            submit=_("Yes, publish it"),
        )
