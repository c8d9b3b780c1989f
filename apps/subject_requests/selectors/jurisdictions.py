"""Reads of jurisdictions: the rule a request falls under."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.personal_data.domain import EEA
from apps.personal_data.registry import Authority
from apps.subject_requests.models import Jurisdiction

# EU and EEA member states choose the EU jurisdiction from an account's country.
EU_COUNTRIES = EEA


def jurisdiction_for(*, country: str = "", code: str = "") -> Jurisdiction:
    """The rule a request falls under: the one chosen at intake, else the account's country's."""
    if code:
        found = Jurisdiction.objects.with_rules().filter(code=code).first()
        if found is None:
            raise ValidationError(_("Unknown jurisdiction: %(code)s") % {"code": code})
        return found
    country = (country or "").upper()
    guessed = "uk" if country == "GB" else "eu" if country in EU_COUNTRIES else "vn" if country == "VN" else ""
    if country == "US":
        guessed = "us-ca"
    guessed = guessed or getattr(settings, "SUBJECT_REQUESTS_DEFAULT_JURISDICTION", "uk")
    # Only those with a deadline rule: a jurisdiction an officer added has none until its first rule.
    with_rules = Jurisdiction.objects.with_rules()
    found = with_rules.filter(code=guessed).first() or with_rules.order_by("pk").first()
    if found is None:
        raise ValidationError(_("No jurisdiction rules are set up."))
    return found


def authority_for_subject(subject) -> Authority | None:
    """The supervisory authority a person may complain to: their country's jurisdiction's, else
    the default one's (registry.register_authority); None when no rules are set up."""
    try:
        jurisdiction = jurisdiction_for(country=str(getattr(subject, "country", "") or ""))
    except ValidationError:
        return None
    return Authority(
        jurisdiction=jurisdiction.display_name,
        name=jurisdiction.display_authority_name,
        url=jurisdiction.authority_url,
    )


def authority_of(jurisdiction: Jurisdiction) -> Authority:
    """The supervisory authority named by ``jurisdiction``: the one a request under it may be
    taken to, whatever the account's country."""
    return Authority(
        jurisdiction=jurisdiction.display_name,
        name=jurisdiction.display_authority_name,
        url=jurisdiction.authority_url,
    )
