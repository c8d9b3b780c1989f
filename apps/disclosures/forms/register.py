"""Forms of the register's admin pages (P-20..P-23): add, amend, visibility, attachments, import.

They only parse input; every write goes through ``services.register``. Compelled disclosures
(court orders, law-enforcement and regulator demands) are refused here: they are compelled
requests, which a second officer approves (P-21, ``forms.compelled``).
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.disclosures.domain import REQUIRED_COLUMNS
from apps.disclosures.forms import SubjectEmailsField, data_categories_field, split_datetime_field
from apps.disclosures.models import Disclosure, Recipient
from apps.disclosures.selectors.recipients import partner_consent_given


class DisclosureAddForm(forms.ModelForm):
    subject_emails = SubjectEmailsField(
        label=gettext_lazy("Subjects"), help_text=gettext_lazy("Their account email addresses, one per line.")
    )
    data_categories = data_categories_field(gettext_lazy("Data categories disclosed"))

    class Meta:
        model = Disclosure
        fields = (
            "recipient",
            "subject_emails",
            "data_categories",
            "description",
            "disclosed_at",
            "reason",
            "legal_basis",
            "external_reference",
            "requested_by",
            "approved_by",
            "visibility",
            "withheld_reason",
            "withheld_review_date",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(is_active=True)
        self.fields["approved_by"].queryset = User.objects.filter(is_staff=True)
        # The admin's date-and-time widget is two inputs under one label: name each one.
        for field in self.fields.values():
            parts = getattr(field.widget, "widgets", None)
            if parts and len(parts) == 2:
                parts[0].attrs["aria-label"] = format_lazy("{} ({})", field.label, gettext_lazy("date"))
                parts[1].attrs["aria-label"] = format_lazy("{} ({})", field.label, gettext_lazy("time"))

    # Compelled disclosures go through CompelledRequest, where a second officer decides (P-21):
    # recording one here would let a single officer write it to the register alone.
    COMPELLED_BASES = frozenset(
        {Disclosure.LegalBasis.COURT_ORDER, Disclosure.LegalBasis.LAW_ENFORCEMENT, Disclosure.LegalBasis.REGULATOR}
    )
    COMPELLING_RECIPIENTS = frozenset({Recipient.Category.COURT, Recipient.Category.LAW_ENFORCEMENT})

    acting_user: User | None = None  # set by the admin for each request

    def clean(self):
        cleaned = super().clean()
        recipient, subjects = cleaned.get("recipient"), cleaned.get("subject_emails")
        approver = cleaned.get("approved_by")
        if approver is not None and approver == self.acting_user:
            self.add_error("approved_by", _("Name the other officer who approved it; nobody approves their own entry."))
        if cleaned.get("legal_basis") in self.COMPELLED_BASES or (
            recipient and recipient.category in self.COMPELLING_RECIPIENTS
        ):
            raise ValidationError(
                _("Record a compelled disclosure as a compelled request: a second officer must approve it (P-21).")
            )
        if (
            recipient
            and subjects
            and cleaned.get("legal_basis") == Disclosure.LegalBasis.CONSENT
            and recipient.category == Recipient.Category.MARKETING_PARTNER
        ):
            missing = [s for s in subjects if not partner_consent_given(subject=s, recipient=recipient)]
            if missing:
                self.add_error(
                    "legal_basis",
                    _("%(count)d of the subjects have not consented to sharing with this partner (P-20).")
                    % {"count": len(missing)},
                )
        return cleaned


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Document"), help_text=gettext_lazy("PDF, PNG, JPEG or plain text, up to 20 MB.")
    )


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=gettext_lazy("Subject visibility"), choices=Disclosure.Visibility.choices)
    withheld_reason = forms.CharField(
        label=gettext_lazy("Why it is withheld"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    withheld_review_date = forms.DateField(
        label=gettext_lazy("Review withholding on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("visibility") == Disclosure.Visibility.WITHHELD
            and not cleaned.get("withheld_reason", "").strip()
        ):
            self.add_error("withheld_reason", _("Give the legal reason the entry is withheld (P-22)."))
        return cleaned


class AmendForm(forms.Form):
    correction = forms.CharField(
        label=gettext_lazy("What the amendment corrects"), widget=forms.Textarea(attrs={"rows": 3})
    )
    recipient = forms.ModelChoiceField(
        label=gettext_lazy("Recipient"), queryset=Recipient.objects.filter(is_active=True)
    )
    data_categories = data_categories_field(gettext_lazy("Data categories disclosed"))
    description = forms.CharField(label=gettext_lazy("What was disclosed"), widget=forms.Textarea(attrs={"rows": 3}))
    disclosed_at = split_datetime_field(gettext_lazy("Disclosed at"))
    legal_basis = forms.ChoiceField(label=gettext_lazy("Legal basis"), choices=Disclosure.LegalBasis.choices)
    external_reference = forms.CharField(label=gettext_lazy("Order or warrant number"), required=False)
    requested_by = forms.CharField(label=gettext_lazy("Requested by"), required=False)

    FIELDS = (
        "recipient",
        "data_categories",
        "description",
        "disclosed_at",
        "legal_basis",
        "external_reference",
        "requested_by",
    )


def is_compelled(legal_basis: str, recipient: Recipient) -> bool:
    return (
        legal_basis in DisclosureAddForm.COMPELLED_BASES
        or recipient.category in DisclosureAddForm.COMPELLING_RECIPIENTS
    )


def becomes_compelled(original: Disclosure, changes: dict) -> bool:
    """Would the amendment be a compelled disclosure the original was not (four eyes skipped)?"""
    return not is_compelled(original.legal_basis, original.recipient) and is_compelled(
        changes["legal_basis"], changes["recipient"]
    )


def refuse_compelled(entry: dict) -> str:
    """For ``disclosure_import``: the admin takes no compelled disclosure from a file (P-21, four eyes)."""
    if is_compelled(entry["legal_basis"], entry["recipient"]):
        return _("a compelled disclosure is recorded as a compelled request, which a second officer approves (P-21)")
    return ""


class ImportForm(forms.Form):
    """A register kept elsewhere, as CSV. ``cleaned_data["file"]`` is the file's bytes, UTF-8 and with the columns."""

    MAX_BYTES = 5 * 1024 * 1024
    EXAMPLE = "\n".join(
        [
            ",".join((*REQUIRED_COLUMNS, "external_reference")),
            "2026-03-01,Print House Ltd,ana@example.com;ben@example.com,contact,Postal addresses,"
            "Catalogue mailing,contract,PO-1142",
            '2026-03-14T09:30:00,Parcel Courier GmbH,ana@example.com,contact;usage,"Address, phone",Delivery,contract,',
        ]
    )

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 text with a header row, up to 5 MB."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        validators=[FileExtensionValidator(["csv"], message=gettext_lazy("Choose a .csv file."))],
        error_messages={"required": gettext_lazy("Choose the CSV file to import.")},
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s; at most %(limit)s can be imported at once.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(self.MAX_BYTES)}
            )
        data = upload.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(
                _("The file is not UTF-8 text. Save it from the spreadsheet as “CSV UTF-8” and try again.")
            ) from error
        try:
            header = next(csv.reader(io.StringIO(text, newline="")), [])
        except csv.Error as error:
            raise ValidationError(_("The file is not valid CSV: %(error)s") % {"error": error}) from error
        columns = {column.strip() for column in header}
        missing = [column for column in REQUIRED_COLUMNS if column not in columns]
        if missing:
            raise ValidationError(_("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
        return data
