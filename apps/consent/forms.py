"""Forms of the consent app, by sub-domain: its admin pages' and its section of the sign-up form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.consent.domain.policy import (
    NOTICE_LEAD_DAYS,
    policy_notice_earliest_effective_date,
    policy_version_name_check,
)
from apps.consent.models import ConsentEvent, Mailing, PolicyVersion, Purpose, Suppression
from apps.consent.selectors.ledger import signup_purposes
from apps.consent.selectors.marketing import campaign_purposes
from apps.consent.services.ledger import Context, consent_set_choices

# --- ledger -----------------------------------------------------------------------------------


def _signup_purposes() -> dict[str, Purpose]:
    return {f"consent_{p.code}": p for p in signup_purposes()}


def signup_choices_add(form: forms.Form) -> None:
    """The marketing and newsletter choices on the sign-up form, unticked, each with its
    purpose text (P-10); every box shown is recorded, ticked or not, as proof of what was offered."""
    for name, purpose in _signup_purposes().items():
        form.fields[name] = forms.BooleanField(
            label=purpose.name(), help_text=purpose.description(), required=False, initial=False
        )


def signup_choices_save(form: forms.Form, request: HttpRequest, user: User) -> None:
    offered = {name: purpose for name, purpose in _signup_purposes().items() if name in form.fields}
    choices = {purpose: bool(form.cleaned_data.get(name)) for name, purpose in offered.items()}
    consent_set_choices(
        choices=choices,
        context=Context.from_request(request, ConsentEvent.Method.SIGNUP),
        actor=user,
        subject=user,
        record_unchanged=True,
    )


class OnBehalfForm(forms.Form):
    purpose = forms.ModelChoiceField(
        label=gettext_lazy("Purpose"),
        queryset=Purpose.objects.filter(is_active=True, legal_basis=Purpose.LegalBasis.CONSENT),
    )
    granted = forms.TypedChoiceField(
        label=gettext_lazy("Choice"),
        choices=(("0", gettext_lazy("Off (withdrawn)")), ("1", gettext_lazy("On (given)"))),
        coerce=lambda value: value == "1",
    )
    how = forms.CharField(
        label=gettext_lazy("How the customer told us"),
        max_length=200,
        help_text=gettext_lazy("For example: phone call on 3 March, letter dated 1 March."),
    )


class SuppressionAddForm(forms.ModelForm):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        help_text=gettext_lazy("Only a keyed hash of it is stored: the list cannot be read back as addresses."),
    )

    class Meta:
        model = Suppression
        fields = ("email", "channel")


# --- marketing --------------------------------------------------------------------------------


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = ("purpose", "subject_line", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "purpose" not in self.fields:  # a read-only page
            return
        purpose = self.fields["purpose"]
        purpose.queryset = campaign_purposes()
        purpose.required = True
        purpose.help_text = _(
            "Only active marketing purposes sent by email. The campaign goes to everyone who consented to it, "
            "unless their processing is restricted or their address is on the suppression list."
        )
        self.fields["body"].help_text = _(
            "Plain text. A greeting, the reason they receive it and an unsubscribe link are added for each person."
        )


# --- policy -----------------------------------------------------------------------------------


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ("version", "effective_on", "material_change", "summary_en", "summary_vi", "body_en", "body_vi")
        widgets = {"effective_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "effective_on" in self.fields:
            self.fields["effective_on"].help_text = _(
                "A material change is announced by email at least %(days)s days ahead: the earliest date it can "
                "take effect if announced today is %(earliest)s."
            ) % {
                "days": NOTICE_LEAD_DAYS,
                "earliest": policy_notice_earliest_effective_date().isoformat(),
            }

    def clean_version(self):
        name = self.cleaned_data["version"]
        try:
            policy_version_name_check(name)
        except ValidationError as error:
            raise ValidationError(error.message_dict["version"]) from None
        return name
