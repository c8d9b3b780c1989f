"""The home page's disclosure tiles (apps/core/admin/workspace.py): the register's chain as last
anchored, and recipients whose agreement ends soon or has ended.

Neither reads the register's rows: the head and the latest anchor are one row each, and the
recipients are a short list. Verifying the whole chain is its own page (linked from the tile).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.admin.workspace import Tile
from apps.core.clock import organisation_time, organisation_today
from apps.disclosures.models import ChainAnchor, ChainHead, Recipient

AGREEMENT_NOTICE = timedelta(days=30)
# The head is anchored daily (config/celery.py); two days without an anchor means the job stopped.
ANCHOR_OVERDUE = timedelta(days=2)


def agreement_condition(name: str) -> Q:
    """Active recipients whose agreement has ended ("lapsed") or ends within 30 days ("ending")."""
    today = organisation_today()
    if name == "lapsed":
        return Q(is_active=True, agreement_ends__lt=today)
    return Q(is_active=True, agreement_ends__gte=today, agreement_ends__lte=today + AGREEMENT_NOTICE)


def chain_tile(request) -> Tile:
    head = ChainHead.objects.first()
    anchor = ChainAnchor.objects.order_by("-created_at").first()
    entries = head.sequence if head else 0
    verify_url = reverse("admin:disclosures_disclosure_verify")
    if anchor is None:
        summary = _("entries, never anchored yet") if entries else _("entries: nothing recorded yet")
        return Tile("chain", _("Disclosure register"), entries, summary, verify_url, attention=bool(entries))
    # An anchor past the head means entries were cut off the register's end.
    behind_anchor = entries < anchor.sequence
    late = timezone.now() - anchor.created_at > ANCHOR_OVERDUE and entries > anchor.sequence
    if behind_anchor:
        summary = _("entries: fewer than the last anchor recorded; verify the chain now")
    else:
        summary = _("entries; head last anchored %(date)s at entry %(sequence)d") % {
            "date": f"{organisation_time(anchor.created_at):%Y-%m-%d %H:%M}",
            "sequence": anchor.sequence,
        }
    return Tile("chain", _("Disclosure register"), entries, summary, verify_url, attention=behind_anchor or late)


def agreement_tile(request) -> Tile:
    counts = Recipient.objects.aggregate(
        lapsed=Count("pk", filter=agreement_condition("lapsed")),
        ending=Count("pk", filter=agreement_condition("ending")),
    )
    changelist = reverse("admin:disclosures_recipient_changelist")
    return Tile(
        key="agreements",
        title=_("Recipient agreements"),
        count=counts["ending"],
        summary=ngettext("ends within 30 days", "end within 30 days", counts["ending"]),
        url=f"{changelist}?{urlencode({'agreement': 'ending'})}",
        attention=bool(counts["lapsed"]),
        figures=(
            (
                counts["lapsed"],
                _("active recipients whose agreement has ended"),
                f"{changelist}?{urlencode({'agreement': 'lapsed'})}",
                counts["lapsed"] > 0,
            ),
        ),
    )
