from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # not in its fields.pyi

from apps.accounts.domain import (
    RENAMED_TIME_ZONES,
    ROLE_PERMISSIONS,
    country_choices,
    current_time_zone_name,
    time_zone_names,
    validate_time_zone,
)
from apps.accounts.models import PublicProfile, User
from apps.accounts.services import user_update_details


@dataclass(frozen=True)
class SignupSection:
    """Fields another app adds to the sign-up form, and what it records once the account exists.

    Registered from that app's AppConfig.ready (the consent app adds the marketing choices),
    so this app, below the others, needs to know none of them.
    """

    add_fields: Callable[[forms.Form], None]
    save: Callable[[forms.Form, HttpRequest, User], None]


_SIGNUP_SECTIONS: list[SignupSection] = []


def register_signup_section(section: SignupSection) -> None:
    if section not in _SIGNUP_SECTIONS:
        _SIGNUP_SECTIONS.append(section)


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form (allauth calls ``signup``): the name here, then
    each registered section's fields."""

    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    preferred_name = forms.CharField(
        label=_("What should we call you? (optional)"),
        max_length=80,
        required=False,
        help_text=_("Leave it empty and we greet you by your given name."),
    )
    # Filled by static/js/time-zone.js with the browser's zone; ignored when it is not a zone we know.
    time_zone = forms.CharField(
        max_length=64, required=False, widget=forms.HiddenInput(attrs={"data-time-zone": "hidden"})
    )

    # The page asks for the account first, in this order; the sections' optional choices follow.
    ACCOUNT_FIELD_ORDER = ("email", "full_name", "preferred_name", "password1", "password2", "time_zone")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        before = set(self.fields)
        for section in _SIGNUP_SECTIONS:
            section.add_fields(self)
        self.optional_field_names = [name for name in self.fields if name not in before]

    def account_fields(self) -> list:
        """The fields that make the account (templates/account/signup.html), required ones first."""
        names = [name for name in self.fields if name not in self.optional_field_names]
        order = {name: index for index, name in enumerate(self.ACCOUNT_FIELD_ORDER)}
        return [self[name] for name in sorted(names, key=lambda name: order.get(name, len(order)))]

    def optional_fields(self) -> list:
        """The optional choices other apps add (marketing, news), shown apart and labelled optional."""
        return [self[name] for name in self.optional_field_names]

    def _browser_time_zone(self) -> str:
        """The zone the browser reported, if it is one we know (a script sets it; it may be absent)."""
        value = current_time_zone_name((self.cleaned_data.get("time_zone") or "").strip())
        try:
            validate_time_zone(value)
        except ValidationError:
            return ""
        return value

    def signup(self, request: HttpRequest, user: User) -> None:
        language = (get_language() or "en")[:2]
        user_update_details(
            user=user,
            actor=user,
            reason="signed up",
            full_name=self.cleaned_data.get("full_name", "").strip(),
            preferred_name=self.cleaned_data.get("preferred_name", "").strip(),
            preferred_language=language if language in dict(settings.LANGUAGES) else "en",
            time_zone=self._browser_time_zone(),
        )
        for section in _SIGNUP_SECTIONS:
            section.save(self, request, user)


class FullNameForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)


class PreferredNameForm(forms.Form):
    preferred_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=80,
        required=False,
        help_text=_("The name we greet you by, on these pages and in our emails."),
    )


def time_zone_choices() -> list[tuple[str, object]]:
    return [("", _("Not chosen (use my country's)")), *((zone, zone.replace("_", " ")) for zone in time_zone_names())]


class TimeZoneForm(forms.Form):
    """The zone times are shown in. The browser's zone, when a script found it, is offered first."""

    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        widget=forms.Select(attrs={"data-time-zone": "select", "data-offer": _("Use %(zone)s, your browser's zone")}),
        help_text=_("Times on these pages and in our emails are shown in this zone."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["time_zone"].widget
        widget.choices = time_zone_choices()
        # The script offers the browser's zone under its current name (static/js/time-zone.js).
        widget.attrs["data-renamed"] = json.dumps(RENAMED_TIME_ZONES)

    def clean_time_zone(self) -> str:
        value = current_time_zone_name(self.cleaned_data["time_zone"].strip())
        validate_time_zone(value)
        return value


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        required=False,
        help_text=_("Include the country code, for example +44 20 7946 0958 or +84 24 3825 3536."),
    )

    def __init__(self, *args, region: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.region = region or None

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, self.region)
        except phonenumbers.NumberParseException as exc:
            raise forms.ValidationError(
                _("Enter a phone number with its country code, for example +44 20 7946 0958.")
            ) from exc
        if not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("This is not a valid phone number. Check the digits and the country code."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class MailingAddressForm(forms.Form):
    mailing_address = forms.CharField(
        label=_("Mailing address"), widget=forms.Textarea(attrs={"rows": 4}), max_length=500, required=False
    )


class CountryForm(forms.Form):
    country = LazyTypedChoiceField(label=_("Country"), choices=country_choices, required=False)


class LanguageForm(forms.Form):
    preferred_language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)


class ProfilePictureForm(forms.Form):
    picture = forms.FileField(
        label=_("Profile picture"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 2 MB. We remove location and camera details from the file."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove = forms.BooleanField(label=_("Remove my picture"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("picture") and not cleaned.get("remove"):
            raise forms.ValidationError(_("Choose a picture to upload, or tick “Remove my picture”."))
        return cleaned


class PublicProfileForm(forms.ModelForm):
    class Meta:
        model = PublicProfile
        fields = ["handle", "display_name", *PublicProfile.VISIBILITY_FIELDS]

    def clean_handle(self) -> str:
        # Checked here too (as in public_profile_update): otherwise the model's case-insensitive
        # constraint fails first with only "Constraint … is violated".
        handle = self.cleaned_data["handle"]
        if PublicProfile.objects.filter(handle__iexact=handle).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This handle is taken. Try another."))
        return handle


class LanguageSwitchForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)


class StaffAccessForm(forms.Form):
    """A staff account's role and superuser status, changed by a superuser with a reason (admin)."""

    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("No role")), *((role, role) for role in ROLE_PERMISSIONS)],
    )
    is_superuser = forms.BooleanField(
        label=_("Superuser"),
        required=False,
        help_text=_("A superuser holds every permission, whatever the role."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Recorded in the account's history, with your name."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason: it is recorded in the account's history."))
        return reason
