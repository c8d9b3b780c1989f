from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account will be closed now and my personal data erased after the grace period."),
        error_messages={"required": _("Tick the box to confirm that you understand what deleting your account means.")},
    )
