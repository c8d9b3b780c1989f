"""Forms of the disclosures app, one module per sub-domain (``register``, ``compelled``, ``access``).

This package module holds the pieces they share: subjects chosen by email address, the data
category and date-time fields, and the admin's helpers to check a URL's object id and to put a
service's ValidationError on a form. The forms only parse input; every write goes through
``services``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.personal_data.registry import Category


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
    # The field's one <label> points at the date; each input gets its own name for assistive
    # technology (axe's "label" rule). Lazy, so the name follows the page's language.
    date_attrs: dict[str, Any] = {"type": "date", "aria-label": format_lazy("{} ({})", label, gettext_lazy("date"))}
    time_attrs: dict[str, Any] = {
        "type": "time",
        "step": "1",
        "aria-label": format_lazy("{} ({})", label, gettext_lazy("time")),
    }
    return forms.SplitDateTimeField(
        label=label,
        widget=forms.SplitDateTimeWidget(
            date_attrs=date_attrs,
            time_attrs=time_attrs,
            date_format="%Y-%m-%d",
            time_format="%H:%M:%S",
        ),
    )


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
