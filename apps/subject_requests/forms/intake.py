"""Forms of the officer's intake (P-31): a request received by email, phone or letter, the
identity check behind it, and the letters and emails kept with a request (the checks of a
file are domain.check_attachment)."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core.clock import organisation_time
from apps.subject_requests.domain import check_attachment
from apps.subject_requests.models import Jurisdiction, RequestType, SubjectRequest

Channel = SubjectRequest.Channel

# A run of six or more digits (spaces between them allowed) looks like a document or card
# number; identity evidence is described, never copied (P-31).
LONG_DIGIT_RUN = re.compile(r"\d(?: ?\d){5,}")


class AttachmentField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt,.eml"})

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("File"))
        kwargs.setdefault(
            "help_text", gettext_lazy("A PDF, PNG, JPEG, .txt or .eml file of up to 10 MB. Kept in private storage.")
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            upload.checked_content_type = check_attachment(upload)
        return upload


class AttachmentForm(forms.Form):
    file = AttachmentField(error_messages={"required": gettext_lazy("Choose a file to attach.")})


def validate_identity_note(value: str) -> None:
    if LONG_DIGIT_RUN.search(value or ""):
        raise ValidationError(
            _(
                "The note contains a long number. Describe how identity was checked (for example "
                "“passport seen on video call, name and photo match”) without the number of any "
                "document, card or account."
            )
        )


class IdentityCheck:
    """How an officer checked who the person is; stored in the note, as the method is "officer"."""

    CHOICES = (
        ("account_email", gettext_lazy("Wrote from, or replied to, the email address on the account")),
        ("account_questions", gettext_lazy("Answered questions only the account holder would know")),
        ("callback", gettext_lazy("Called back on the phone number on the account")),
        ("postal_address", gettext_lazy("Letter from, or reply sent to, the postal address on the account")),
        ("document_seen", gettext_lazy("Identity document seen (not copied, number not noted)")),
        ("other", gettext_lazy("Other (describe in the note)")),
    )


class IntakeForm(forms.Form):
    """A request received by email, phone or letter, recorded by an officer (P-31)."""

    request_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=RequestType.choices)
    channel = forms.ChoiceField(
        label=gettext_lazy("Received by"),
        choices=[(c.value, c.label) for c in (Channel.EMAIL, Channel.PHONE, Channel.LETTER)],
    )
    subject_email = forms.EmailField(
        label=gettext_lazy("Account email"),
        required=False,
        help_text=gettext_lazy("The email of the person's account. Leave empty when they have no account."),
    )
    requester_email = forms.EmailField(
        label=gettext_lazy("Requester's email"),
        required=False,
        help_text=gettext_lazy("Where to reply, when there is no account (or to reply elsewhere)."),
    )
    requester_name = forms.CharField(label=gettext_lazy("Requester's name"), required=False, max_length=150)
    jurisdiction = forms.ModelChoiceField(
        label=gettext_lazy("Jurisdiction"),
        queryset=Jurisdiction.objects.with_rules(),
        required=False,
        empty_label=gettext_lazy("From the account's country"),
        help_text=gettext_lazy("Leave it to follow the account's country, or choose the law the person relies on."),
    )
    received_at = forms.DateTimeField(
        label=gettext_lazy("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("When the email, call or letter came in (%(zone)s time); the deadline counts from it."),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
    )
    identity_check = forms.ChoiceField(label=gettext_lazy("Identity checked by"), choices=IdentityCheck.CHOICES)
    identity_note = forms.CharField(
        label=gettext_lazy("Identity evidence"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 70}),
        validators=[validate_identity_note],
        help_text=gettext_lazy(
            "What was checked and how. Never a copy or the number of an identity document, card or account."
        ),
        error_messages={"required": gettext_lazy("Say how the person's identity was checked.")},
    )
    details = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text=gettext_lazy("What the person asked, in their words."),
    )
    attachment = AttachmentField(required=False, label=gettext_lazy("The email or letter (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].label_from_instance = lambda j: f"{j.name} ({j.code})"
        # The field is read and shown on the organisation's clock: say which.
        received_at = self.fields["received_at"]
        received_at.help_text = received_at.help_text % {"zone": settings.TIME_ZONE}
        if not self.is_bound:
            self.initial.setdefault("received_at", organisation_time().replace(second=0, microsecond=0))

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now() + timedelta(minutes=1):
            raise ValidationError(_("The received time cannot be in the future."))
        return received_at

    def clean(self):
        data = super().clean()
        email = data.get("subject_email")
        data["subject"] = None
        if email:
            data["subject"] = User.objects.filter(email__iexact=email).first()
            if data["subject"] is None:
                self.add_error(
                    "subject_email",
                    _("No account has this email. Leave it empty and give the requester's email and name."),
                )
        elif "subject_email" in data and not data.get("requester_email"):
            self.add_error(
                "requester_email", _("Give the account's email, or the requester's email when they have no account.")
            )
        if not email and data.get("requester_email") and not data.get("requester_name"):
            self.add_error("requester_name", _("Give the requester's name when they have no account."))
        return data

    def verification_note(self) -> str:
        labels = dict(IdentityCheck.CHOICES)
        check = str(labels.get(self.cleaned_data["identity_check"], ""))
        return f"{check}: {self.cleaned_data['identity_note'].strip()}"[:300]
