"""The staff member's request for access to a customer's content (P-24); the page is admin.access."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from apps.disclosures.models import ContentAccessGrant


class AccessRequestForm(forms.Form):
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"), choices=ContentAccessGrant.Purpose.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason shown to the customer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Plain words: what you need to look at and why."),
    )
    ticket_reference = forms.CharField(
        label=gettext_lazy("Ticket or case reference"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Required for a legal process."),
    )
    withhold_notification_reason = forms.CharField(
        label=gettext_lazy("Do not tell the customer, because…"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Legal process only: leave empty unless an order forbids telling the customer. "
            "Otherwise they are emailed as soon as access opens."
        ),
    )
