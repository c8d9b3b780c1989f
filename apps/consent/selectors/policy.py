"""Reads of privacy policy versions, their change notices and the acknowledgement banner (P-16).

A material change is announced by email to every active account with a verified primary
address, at least ``NOTICE_LEAD_DAYS`` before it takes effect (``notice_audience`` is whom the
batched sender reaches). Signed-in customers also see a banner from the day the notice is
scheduled until ``BANNER_DAYS_AFTER`` days after the version takes effect, until they
acknowledge it (``policy_banner_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.models import User
from apps.consent.domain.policy import BANNER_DAYS_AFTER, VERSION_NAME, policy_version_state
from apps.consent.models import Mailing, PolicyAcknowledgement, PolicyVersion
from apps.core.clock import organisation_today


def current_policy() -> PolicyVersion | None:
    """The policy in force today (a later version may already be published, not yet effective)."""
    return PolicyVersion.objects.filter(effective_on__lte=organisation_today()).order_by("-effective_on", "-pk").first()


def policy_in_force() -> PolicyVersion | None:
    """The version in force today (one query)."""
    return current_policy()


def policy_version_get(name: str) -> PolicyVersion | None:
    """A version by its public name, or None for a name nobody published."""
    # Names are checked on the way in (policy_version_name_check): anything else was never published.
    if not VERSION_NAME.fullmatch(name or "") or len(name) > (PolicyVersion._meta.get_field("version").max_length or 0):
        return None
    return PolicyVersion.objects.filter(version=name).first()


@dataclass(frozen=True)
class ListedVersion:
    version: PolicyVersion
    state: str


def policy_versions_listed() -> list[ListedVersion]:
    """Every published version, newest first, each with its state (two queries)."""
    in_force = current_policy()
    return [
        ListedVersion(version, policy_version_state(version, in_force=in_force))
        for version in PolicyVersion.objects.order_by("-effective_on", "-pk")
    ]


def policy_upcoming() -> PolicyVersion | None:
    """The next version to take effect, if one is already published."""
    return PolicyVersion.objects.filter(effective_on__gt=organisation_today()).order_by("effective_on", "pk").first()


def policy_notice_get(version: PolicyVersion) -> Mailing | None:
    return Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE, policy_version=version).first()


def policy_notices() -> QuerySet[Mailing]:
    """Every change notice, newest version first, for the officers' progress page."""
    return (
        Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE)
        .select_related("policy_version", "created_by")
        .order_by("-policy_version__effective_on", "-pk")
    )


def policy_version_is_locked(version: PolicyVersion) -> bool:
    """In force or earlier, or already announced: its name, date and kind of change are fixed."""
    if version.pk is None:
        return False
    return version.effective_on <= organisation_today() or policy_notice_get(version) is not None


def notice_audience(mailing: Mailing) -> QuerySet[User]:
    """Everyone with an active account and a verified primary address; nobody can opt out."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), primary=True, verified=True)
    return User.objects.filter(Exists(verified), is_active=True, status=User.Status.ACTIVE).order_by("pk")


# --- The banner -------------------------------------------------------------------------------


def _banner_versions(today: date) -> QuerySet[PolicyVersion]:
    notice = Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE, policy_version=OuterRef("pk"))
    return PolicyVersion.objects.filter(
        Exists(notice), material_change=True, effective_on__gte=today - timedelta(days=BANNER_DAYS_AFTER)
    )


BANNER_CACHE_SECONDS = 300


def _banner_cache_key(today: date) -> str:
    return f"consent:banner-versions:{today.isoformat()}"


def _announced_version_ids(today: date) -> list[int]:
    """Versions in their banner window, shared by everyone and cached: most days there are none."""
    key = _banner_cache_key(today)
    ids = cache.get(key)
    if ids is None:
        ids = list(_banner_versions(today).values_list("pk", flat=True))
        cache.set(key, ids, BANNER_CACHE_SECONDS)
    return ids


def forget_announced_versions(**kwargs) -> None:
    """A version or its notice changed: the next page works the window out again (apps.consent.signals)."""
    cache.delete(_banner_cache_key(organisation_today()))


def policy_banner_for(user) -> PolicyVersion | None:
    """The materially changed version ``user`` should be asked to acknowledge now, if any.

    Runs on every page a signed-in customer opens: no query while no change is announced (the
    usual case), then one small one for this person's acknowledgements; none for visitors and staff.
    """
    if user is None or not user.is_authenticated or user.is_staff:
        return None
    today = organisation_today()
    ids = _announced_version_ids(today)
    if not ids:
        return None
    acknowledged = PolicyAcknowledgement.objects.filter(subject=user, policy_version=OuterRef("pk"))
    return (
        _banner_versions(today)
        .filter(pk__in=ids)
        .exclude(Exists(acknowledged))
        .only("pk", "version", "effective_on", "summary_en", "summary_vi")
        .order_by("-effective_on", "-pk")
        .first()
    )
