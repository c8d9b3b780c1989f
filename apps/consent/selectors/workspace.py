"""The home page's policy tile (apps/core/admin/workspace.py): policy versions that take effect
later, each with where its change notice stands (P-16). A handful of rows at most."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.consent.domain.policy import VersionState
from apps.consent.models import Mailing, PolicyVersion
from apps.core.admin.workspace import Tile, TileRow
from apps.core.clock import organisation_today


def upcoming_policy_versions():
    """The policy list's "takes effect later" filter (admin/policy.py) reads the same."""
    return PolicyVersion.objects.filter(effective_on__gt=organisation_today())


def policy_tile(request) -> Tile:
    versions = list(upcoming_policy_versions().order_by("effective_on", "version")[:10])
    notices = {
        notice.policy_version_id: notice
        for notice in Mailing.objects.filter(kind=Mailing.Kind.POLICY_NOTICE, policy_version__in=versions)
    }
    rows = []
    needs_notice = False
    for version in versions:
        notice = notices.get(version.pk)
        if notice is not None:
            state = _("notice %(status)s, %(sent)d of %(audience)d sent") % {
                "status": notice.get_status_display().lower(),
                "sent": notice.sent_count,
                "audience": notice.audience_size,
            }
        elif version.material_change:
            state = _("material change, no notice scheduled")
            needs_notice = True
        else:
            state = _("no notice needed")
        rows.append(
            TileRow(
                label=_("Version %(version)s, in effect %(date)s")
                % {"version": version.version, "date": f"{version.effective_on:%Y-%m-%d}"},
                url=reverse("admin:consent_policyversion_change", args=[version.pk]),
                detail=state,
                attention=notice is None and version.material_change,
            )
        )
    count = upcoming_policy_versions().count() if len(versions) == 10 else len(versions)
    return Tile(
        key="policy_notices",
        title=_("Policy changes in flight"),
        count=count,
        summary=ngettext("version not yet in effect", "versions not yet in effect", count),
        url=f"{reverse('admin:consent_policyversion_changelist')}?{urlencode({'state': VersionState.UPCOMING})}",
        rows=tuple(rows),
        attention=needs_notice or any(notice.status == Mailing.Status.FAILED for notice in notices.values()),
    )
