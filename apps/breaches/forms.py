"""The officer's forms on a breach's admin pages: assessment, people affected, submissions, sending."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.breaches.domain import Factors, Level
from apps.breaches.models import AuthoritySubmission, BreachClock, Recipient
from apps.core.clock import organisation_zone, organisation_zone_name
from apps.personal_data.registry import Category, entries

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class AssessmentForm(forms.Form):
    sensitivity = forms.ChoiceField(label=_("Sensitivity of the data"), choices=Level.choices)
    special_categories = forms.BooleanField(
        label=_("Special categories (health, biometric, criminal...)"), required=False
    )
    people = forms.IntegerField(label=_("Number of people"), min_value=0)
    ease_of_identification = forms.ChoiceField(label=_("Ease of identification"), choices=Level.choices)
    severity = forms.ChoiceField(label=_("Severity of consequences"), choices=Level.choices)
    vulnerable_people = forms.BooleanField(label=_("Vulnerable people (children, patients...)"), required=False)
    unintelligible = forms.BooleanField(label=_("Data unintelligible to others (encrypted, key safe)"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def factors(self) -> Factors:
        data = self.cleaned_data
        return Factors(
            sensitivity=data["sensitivity"],
            special_categories=data["special_categories"],
            people=data["people"],
            ease_of_identification=data["ease_of_identification"],
            severity=data["severity"],
            vulnerable_people=data["vulnerable_people"],
            unintelligible=data["unintelligible"],
        )


def _model_choices() -> list[tuple[str, str]]:
    return [(entry.label, f"{entry.label} — {entry.person_title}") for entry in entries()]


class AffectedForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("Data categories"), choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    models = forms.MultipleChoiceField(label=_("Records (registered models)"), choices=(), required=False)
    since = forms.DateTimeField(label=_("From (rows dated on or after)"), required=False)
    until = forms.DateTimeField(label=_("Until (rows dated before)"), required=False)
    accounts = forms.FileField(
        label=_("Accounts listed by you (CSV)"),
        required=False,
        help_text=_("One a row in the first column: an email address, an account reference or an account id."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["models"].choices = _model_choices()
        for name in ("since", "until"):
            self.fields[name].help_text = _("In the organisation's time (%(zone)s), e.g. 2026-03-01 09:00.") % {
                "zone": organisation_zone_name()
            }

    def _organisation_time(self, name: str):
        # Typed times are the organisation's wall clock, whatever zone the request runs in.
        value = self.cleaned_data.get(name)
        if value is None:
            return value
        return timezone.make_aware(timezone.make_naive(value), organisation_zone())

    def clean_since(self):
        return self._organisation_time("since")

    def clean_until(self):
        return self._organisation_time("until")

    def clean_accounts(self):
        upload = self.cleaned_data.get("accounts")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class SubmissionForm(forms.Form):
    clock = forms.ModelChoiceField(label=_("Notification"), queryset=BreachClock.objects.none())
    phase = forms.ChoiceField(label=_("Phase"), choices=AuthoritySubmission.Phase.choices)
    submitted_at = forms.DateTimeField(label=_("Submitted at"))
    method = forms.ChoiceField(label=_("How"), choices=AuthoritySubmission.Method.choices)
    authority_reference = forms.CharField(label=_("The authority's reference"), max_length=200, required=False)
    delay_reason = forms.CharField(
        label=_("Reasons for the delay (when late)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, breach, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clock"].queryset = breach.clocks.exclude(rule__recipient=Recipient.PEOPLE).select_related(
            "rule__jurisdiction"
        )
        self.fields["submitted_at"].help_text = _("In the organisation's time (%(zone)s).") % {
            "zone": organisation_zone_name()
        }


class NotifyForm(forms.Form):
    delay_reason = forms.CharField(
        label=_("Reasons for the delay (when late)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
