"""Forms of the register's admin pages, and the pieces the compelled-request forms share.

The forms only parse input; every write goes through ``services`` or ``compelled``.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.disclosures import services
from apps.disclosures.models import Disclosure, Recipient
from apps.personal_data.registry import Category

# --- Shared form pieces --------------------------------------------------------------------


class SubjectEmailsField(forms.CharField):
    """People chosen by email address, one per line; an unknown address is a form error."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def clean(self, value):
        value = super().clean(value)
        emails = list(dict.fromkeys(line.strip().lower() for line in value.splitlines() if line.strip()))
        if not emails:
            raise ValidationError(_("Enter at least one email address."))
        found = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
        unknown = [email for email in emails if email not in found]
        if unknown:
            raise ValidationError(_("No account has these addresses: %(emails)s") % {"emails": ", ".join(unknown)})
        return [found[email] for email in emails]


def data_categories_field(label) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=True
    )


def split_datetime_field(label) -> forms.SplitDateTimeField:
    return forms.SplitDateTimeField(
        label=label,
        widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date"},
            time_attrs={"type": "time", "step": "1"},
            date_format="%Y-%m-%d",
            time_format="%H:%M:%S",
        ),
    )


def is_object_id(value) -> bool:
    """A primary key as the URL may carry it: ASCII digits only ("²".isdigit() is True too)."""
    value = str(value)
    return value.isascii() and value.isdigit()


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- The register --------------------------------------------------------------------------


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
            missing = [s for s in subjects if not services.partner_consent_given(subject=s, recipient=recipient)]
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
