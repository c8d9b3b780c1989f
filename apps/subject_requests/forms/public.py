"""Forms of the public pages: the request form for people without an account, and the
confirmation code emailed to them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts.domain import current_time_zone_name, validate_time_zone
from apps.subject_requests.forms.requests import details_field
from apps.subject_requests.models import Jurisdiction, RequestType
from apps.subject_requests.selectors.intents import ShownIntent, intents_for


class PublicRequestForm(forms.Form):
    """The public form for people without an account (or locked out of it)."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We send a link to this address. Your request counts only once you open it."),
    )
    name = forms.CharField(label=_("Your full name"), max_length=150)
    # Shown as the plain-language chooser's radio cards (selectors/intents.py), grouped by intent.
    request_type = forms.ChoiceField(
        label=_("What would you like us to do?"),
        choices=RequestType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what you would like us to do."),
            "invalid_choice": _("Choose one of the listed requests."),
        },
    )
    details = details_field(
        label=_("Details (optional)"),
        help_text=_(
            "Anything that helps us find your data and do what you ask: for example the details to correct, "
            "or the uses of your data you object to. Please do not send identity documents."
        ),
    )
    jurisdiction = forms.ModelChoiceField(
        label=_("Which law should apply? (optional)"),
        queryset=Jurisdiction.objects.with_rules().order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("Let us decide"),
        help_text=_("Usually the law of the country you live in. It sets how long we may take to answer."),
    )
    # The browser's zone (static/js/time-zone.js fills it in): the confirmation email's expiry is
    # told in it. Absent or unknown, the law's zone is used instead.
    time_zone = forms.CharField(
        max_length=64, required=False, widget=forms.HiddenInput(attrs={"data-time-zone": "hidden"})
    )

    def intent_groups(
        self, jurisdiction: Jurisdiction | None, *, each_of: list[Jurisdiction] | None = None
    ) -> list[tuple[ShownIntent, list[tuple[Any, Any]]]]:
        """Each intent with its radio inputs (and how each option is worded) for the template,
        timed under ``jurisdiction`` or under each law of ``each_of``."""
        radios = {str(radio.data["value"]): radio for radio in self["request_type"]}
        return [
            (shown, [(radios[str(item.option.request_type)], item) for item in shown.options])
            for shown in intents_for(jurisdiction, each_of=each_of)
        ]

    def clean_time_zone(self) -> str:
        value = current_time_zone_name((self.cleaned_data.get("time_zone") or "").strip())
        try:
            validate_time_zone(value)
        except ValidationError:
            return ""  # a hint from a script, never a reason to refuse the request
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=32,
        help_text=_("The 8 characters in the email we sent you."),
        error_messages={"required": _("Enter the code from the email.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()
