"""Your Account → Your files: the upload form (the service checks the file itself)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from apps.service_data.domain.content import accepted_names
from apps.service_data.models import ContentItem


def _limits_hint() -> str:
    return "; ".join(
        f"{label}: {accepted_names(kind)}, {filesizeformat(settings.CONTENT_UPLOAD_MAX_BYTES[kind])}"
        for kind, label in ContentItem.Kind.choices
    )


class ContentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=ContentItem.Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Optional: the file's name is used when you leave it empty."),
    )
    file = forms.FileField(label=_("File"), max_length=255, allow_empty_file=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("What we accept, by kind: %(limits)s.") % {"limits": _limits_hint()}
