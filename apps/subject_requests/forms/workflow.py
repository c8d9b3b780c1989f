"""Forms of the officer's workflow on the request page: a step's confirmation (its reason),
messages to the subject, internal notes, and the bulk "Assign to…"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.subject_requests.selectors.workflow import handlers


class ReasonForm(forms.Form):
    """The confirmation page of a step: why (required where the law or the subject needs it)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 70}), max_length=4000
    )

    def __init__(self, *args, required: bool = False, label: str = "", help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.required = required
        if label:
            field.label = label
        field.help_text = help_text
        field.error_messages["required"] = _("Give the reason; it is needed for this step.")


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Message to the subject"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        max_length=10000,
        help_text=gettext_lazy("Emailed to the subject and shown to them in Your Account → Your requests."),
        error_messages={"required": gettext_lazy("Write the message.")},
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        max_length=10000,
        help_text=gettext_lazy("For officers only: never shown or sent to the subject."),
        error_messages={"required": gettext_lazy("Write the note.")},
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assign to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Nobody (unassign)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers()
        self.fields["assignee"].label_from_instance = lambda user: user.email
