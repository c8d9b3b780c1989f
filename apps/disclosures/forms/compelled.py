"""Forms of the compelled-request admin (P-21): intake by one officer, the decision by a second.

They only parse input; every write goes through ``services.compelled``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.disclosures.forms import SubjectEmailsField, data_categories_field, split_datetime_field
from apps.disclosures.models import CompelledRequest, Recipient
from apps.disclosures.services.compelled import LEGAL_BASIS_FOR_CATEGORY


class CompelledIntakeForm(forms.ModelForm):
    subject_emails = SubjectEmailsField(
        label=gettext_lazy("Subjects"), help_text=gettext_lazy("Their account email addresses, one per line.")
    )
    data_categories = data_categories_field(gettext_lazy("Data categories asked for"))

    class Meta:
        model = CompelledRequest
        fields = (
            "recipient",
            "requested_by",
            "authority",
            "external_reference",
            "deadline",
            "subject_emails",
            "data_categories",
            "data_requested",
            "withhold_from_subjects",
            "withheld_reason",
        )
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(
            is_active=True, category__in=list(LEGAL_BASIS_FOR_CATEGORY)
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("withhold_from_subjects") and not cleaned.get("withheld_reason", "").strip():
            self.add_error(
                "withheld_reason", _("Say why the subjects may not be told (for example, the order's clause).")
            )
        return cleaned


class ApproveForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What is handed over"),
        help_text=gettext_lazy("Describe the data; never paste the data."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disclosed_at = split_datetime_field(gettext_lazy("Disclosed at"))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for refusing"), widget=forms.Textarea(attrs={"rows": 3}))
