"""What a system may send: the callback's answer, the email link's choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.systems.domain import ACCESS_FORMATS, ANSWERS, AccessFile

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


class AccessFileMixin:
    """An uploaded answer to an access request: a .json or .csv file, read only up to the limit
    (the domain's check then refuses it as too large with the same message as the callback)."""

    def access_file(self) -> AccessFile | None:
        upload = self.cleaned_data.get("file")  # type: ignore[attr-defined]
        if not upload:
            return None
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        return AccessFile(content=upload.read(settings.SYSTEMS_ACCESS_FILE_MAX_BYTES + 1), format=extension)


FILE_HELP = _("For a request for a copy of the data: the data you hold about the person, as one .json or .csv file.")


class ConfirmForm(AccessFileMixin, forms.Form):
    answer = forms.ChoiceField(label=_("What happened?"), choices=ANSWER_CHOICES, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("The data you hold"),
        required=False,
        help_text=FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{f}" for f in ACCESS_FORMATS)}),
    )

    def __init__(self, *args, access: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not access:
            del self.fields["file"]


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why close it without the system's confirmation?"),
        max_length=1000,
        widget=forms.Textarea,
        # The reason reaches the person (the erasure certificate, the export's systems/ folder,
        # index.html and status.json): the officer must know before writing it.
        help_text=_(
            "The person this request is about may read this reason (on their certificate or in their copy of "
            "the data): write it for them, with nothing you would not tell them."
        ),
    )


class ConfirmManualForm(AccessFileMixin, forms.Form):
    note = forms.CharField(label=_("How did the system confirm?"), max_length=1000, widget=forms.Textarea)
    file = forms.FileField(label=_("The data the system sent"), required=False, help_text=FILE_HELP)

    def __init__(self, *args, access: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not access:
            del self.fields["file"]
