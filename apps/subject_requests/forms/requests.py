"""Forms of Your Account → Your requests: parse input, build the request's ``scope``.

Each account form has ``scope()`` (the type's choices as stored on SubjectRequest.scope) and
``details_text()``. The scope shapes are read by the engine (execution/, in the worker) and
the admin:

- restriction: ``{"all_processing": true}`` or ``{"all_processing": false, "purposes": [codes]}``
- objection, withdrawal: ``{"purposes": [codes]}``
- rectification: ``{"changes": {field: new value}}``, only the fields that differ
- access, portability, erasure, complaint, stop_processing: ``{}`` (their words go in details)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

# django-countries' fields.pyi leaves out LazyTypedChoiceField, which fields.py defines.
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]

from apps.accounts.domain import country_choices
from apps.subject_requests.models import RequestType
from apps.subject_requests.selectors.requests import active_purposes, consented_purposes

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DETAILS_MAX = 5000


def details_field(*, required: bool = False, label=None, help_text=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Anything else we should know (optional)"),
        help_text=help_text,
        required=required,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def _purpose_choices(purposes) -> list[tuple[str, str]]:
    return [(purpose.code, purpose.name()) for purpose in purposes]


class AccountRequestForm(forms.Form):
    """A request from Your Account: details only (access, portability, erasure)."""

    details = details_field()

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def scope(self) -> dict[str, Any]:
        return {}

    def details_text(self) -> str:
        return self.cleaned_data.get("details", "").strip()


class ComplaintForm(AccountRequestForm):
    details = details_field(
        required=True,
        label=_("Your complaint"),
        help_text=_("Tell us what happened, when, and what you would like us to do about it."),
    )


class StopProcessingForm(AccountRequestForm):
    details = details_field(
        required=True,
        label=_("What should we stop doing with your data?"),
        help_text=_("In your own words: what processing you want stopped, and why if you wish to say."),
    )


class PurposesForm(AccountRequestForm):
    """A choice of purposes (objection, withdrawal); the choices are set per customer."""

    field_order = ["purposes", "details"]

    purposes = forms.MultipleChoiceField(
        label=_("Which uses of your data?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one use of your data.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        purposes = self.fields["purposes"]
        assert isinstance(purposes, forms.MultipleChoiceField)
        purposes.choices = self.purpose_choices()

    def purpose_choices(self) -> list[tuple[str, str]]:
        return _purpose_choices(active_purposes())

    def scope(self) -> dict[str, Any]:
        return {"purposes": list(self.cleaned_data["purposes"])}


class ObjectionForm(PurposesForm):
    def purpose_choices(self) -> list[tuple[str, str]]:
        # Direct marketing first: an objection to it is absolute and takes effect at once.
        purposes = sorted(active_purposes(), key=lambda p: (not p.is_marketing, p.display_order, p.code))
        return [(p.code, f"{p.name()} ({_('direct marketing')})" if p.is_marketing else p.name()) for p in purposes]


class WithdrawalForm(PurposesForm):
    """Only the purposes the customer consents to now can be withdrawn."""

    def purpose_choices(self) -> list[tuple[str, str]]:
        return _purpose_choices(consented_purposes(self.user))


class RestrictionForm(AccountRequestForm):
    ALL = "all"
    CHOSEN = "purposes"
    field_order = ["extent", "purposes", "details"]

    extent = forms.ChoiceField(
        label=_("What should we restrict?"),
        widget=forms.RadioSelect,
        choices=[
            (ALL, _("All processing of my data")),
            (CHOSEN, _("Only the uses I choose below")),
        ],
        initial=ALL,
        error_messages={"required": _("Choose whether to restrict all processing or chosen uses.")},
    )
    purposes = forms.MultipleChoiceField(
        label=_("Uses to restrict"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only needed when you restrict chosen uses."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        purposes = self.fields["purposes"]
        assert isinstance(purposes, forms.MultipleChoiceField)
        purposes.choices = _purpose_choices(active_purposes())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if cleaned.get("extent") == self.CHOSEN and not cleaned.get("purposes"):
            self.add_error("purposes", _("Choose at least one use of your data, or restrict all processing."))
        return cleaned

    def scope(self) -> dict[str, Any]:
        if self.cleaned_data["extent"] == self.ALL:
            return {"all_processing": True}
        return {"all_processing": False, "purposes": list(self.cleaned_data["purposes"])}


class RectificationForm(AccountRequestForm):
    """Proposed new values, shown with the current ones; only what differs is stored."""

    FIELDS = ("full_name", "phone", "mailing_address", "country")
    field_order = [*FIELDS, "details"]

    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        required=False,
        help_text=_("Include the country code, for example +44 20 7946 0958 or +84 24 3825 3536."),
    )
    mailing_address = forms.CharField(
        label=_("Mailing address"), widget=forms.Textarea(attrs={"rows": 4}), max_length=500, required=False
    )
    country = LazyTypedChoiceField(label=_("Country"), choices=country_choices, required=False)
    details = details_field(
        label=_("Why should it change? (optional)"),
        help_text=_("For example: I moved, or my name is spelled wrong."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.user is not None and not self.is_bound:
            self.initial.update(self.current())

    def current(self) -> dict[str, str]:
        if self.user is None:
            return dict.fromkeys(self.FIELDS, "")
        return {name: str(getattr(self.user, name) or "") for name in self.FIELDS}

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        region = str(self.user.country) if self.user is not None and self.user.country else None
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException as exc:
            raise forms.ValidationError(
                _("Enter a phone number with its country code, for example +44 20 7946 0958.")
            ) from exc
        if not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("This is not a valid phone number. Check the digits and the country code."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def changes(self) -> dict[str, str]:
        current = self.current()
        proposed = {name: str(self.cleaned_data.get(name) or "").strip() for name in self.FIELDS}
        return {name: value for name, value in proposed.items() if value != current[name].strip()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if not self.errors and not self.changes():
            raise forms.ValidationError(
                _("Nothing was changed. Edit the details that are wrong, then send the request.")
            )
        return cleaned

    def scope(self) -> dict[str, Any]:
        return {"changes": self.changes()}


ACCOUNT_FORMS: dict[str, type[AccountRequestForm]] = {
    RequestType.ACCESS: AccountRequestForm,
    RequestType.PORTABILITY: AccountRequestForm,
    RequestType.RECTIFICATION: RectificationForm,
    RequestType.ERASURE: AccountRequestForm,
    RequestType.RESTRICTION: RestrictionForm,
    RequestType.OBJECTION: ObjectionForm,
    RequestType.WITHDRAWAL: WithdrawalForm,
    RequestType.COMPLAINT: ComplaintForm,
    RequestType.STOP_PROCESSING: StopProcessingForm,
}


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your message first.")},
    )


class WithdrawForm(forms.Form):
    """Nothing to fill in: the confirmation page's button is the consent."""


# One line per type for the "New request" page; the full explanation is in templates/subject_requests/types/.
TYPE_SUMMARIES: dict[str, StrPromise] = {
    RequestType.ACCESS: _("Get a copy of the personal data we hold about you, and how we use it."),
    RequestType.PORTABILITY: _("Get your data in a machine-readable format to take to another service."),
    RequestType.RECTIFICATION: _("Ask us to correct details about you that are wrong or incomplete."),
    RequestType.ERASURE: _("Ask us to erase the personal data we hold about you."),
    RequestType.RESTRICTION: _("Ask us to keep your data but stop using it, for everything or for chosen uses."),
    RequestType.OBJECTION: _("Object to a use of your data, such as direct marketing."),
    RequestType.WITHDRAWAL: _("Take back consent you gave us for a use of your data."),
    RequestType.COMPLAINT: _("Tell us you are unhappy with how we handled your data."),
    RequestType.STOP_PROCESSING: _("Ask us to stop processing your data."),
}
