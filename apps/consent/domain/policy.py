"""Plain rules of privacy policy versions (P-16): valid version names, what is fixed once announced,
the notice lead time and the banner window, and the state of a version on the organisation's day."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.clock import organisation_today

if TYPE_CHECKING:
    from apps.consent.models import PolicyVersion

# How long before the effective date the notice must go out, and how long after it the banner stays.
NOTICE_LEAD_DAYS = 15
BANNER_DAYS_AFTER = 90

# Version names appear in URLs (/privacy-policy/<version>/): keep them to URL-safe characters,
# and away from the names of the pages beside them.
VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RESERVED_VERSION_NAMES = frozenset({"versions"})

# Fields a notice has announced, or that were in force: they no longer change.
LOCKED_FIELDS = ("version", "effective_on", "material_change")


class VersionState:
    IN_FORCE = "in_force"
    UPCOMING = "upcoming"
    SUPERSEDED = "superseded"


def policy_version_name_check(name: str) -> None:
    """Version names go into URLs: raise a ValidationError (on ``version``) for one that cannot."""
    if not VERSION_NAME.fullmatch(name or "") or name.lower() in RESERVED_VERSION_NAMES:
        raise ValidationError(
            {
                "version": _(
                    "Use letters, digits, dots, hyphens and underscores only, starting with a letter or digit "
                    "(for example 2.1 or 2027-01); “versions” is taken."
                )
            }
        )


def policy_version_state(version: PolicyVersion, *, in_force: PolicyVersion | None) -> str:
    if version.effective_on > organisation_today():
        return VersionState.UPCOMING
    if in_force is not None and version.pk == in_force.pk:
        return VersionState.IN_FORCE
    return VersionState.SUPERSEDED


def policy_notice_earliest_effective_date(today: date | None = None) -> date:
    return (today or organisation_today()) + timedelta(days=NOTICE_LEAD_DAYS)
