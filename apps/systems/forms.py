"""What a system may send: the callback's answer, the email link's choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.systems.domain import ANSWERS

ANSWER_CHOICES = [
    ("done", _("Done: we acted on the request")),
    ("nothing_held", _("We hold no data about this person")),
    ("failed", _("We could not do it")),
]
MAX_COUNTS = 50


class CallbackForm(forms.Form):
    status = forms.ChoiceField(choices=[(a, a) for a in ANSWERS])
    message = forms.CharField(max_length=1000, required=False)
    counts = forms.JSONField(required=False)

    @classmethod
    def from_payload(cls, payload: Any) -> CallbackForm:
        if not isinstance(payload, dict):
            payload = {}
        data = {
            "status": payload.get("status", ""),
            "message": payload.get("message", "") if isinstance(payload.get("message", ""), str) else "",
            "counts": forms.JSONField().prepare_value(payload.get("counts") or {}),
        }
        return cls(data)

    def clean_counts(self) -> dict[str, int]:
        counts = self.cleaned_data.get("counts") or {}
        if not isinstance(counts, dict) or len(counts) > MAX_COUNTS:
            raise ValidationError(_("Counts are an object of at most 50 names and whole numbers."))
        for name, value in counts.items():
            if len(name) > 64 or not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError(_("Each count is a name of up to 64 characters and a whole number."))
        return counts


class ConfirmForm(forms.Form):
    answer = forms.ChoiceField(label=_("What happened?"), choices=ANSWER_CHOICES, widget=forms.RadioSelect)


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why close it without the system's confirmation?"), max_length=1000, widget=forms.Textarea
    )


class ConfirmManualForm(forms.Form):
    note = forms.CharField(label=_("How did the system confirm?"), max_length=1000, widget=forms.Textarea)
