"""The breaches' tile on the privacy-operations home (apps/core/admin/workspace.py): the open
breaches, each running clock with the hours left, the most urgent first."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.breaches.models import Breach
from apps.breaches.selectors.clocks import open_breach_clocks
from apps.core.admin.workspace import Tile, TileRow

ROWS = 5


def clock_words(hours_left: int | None) -> str:
    if hours_left is None:
        return _("without undue delay")
    if hours_left < 0:
        return ngettext("overdue by %(hours)d hour", "overdue by %(hours)d hours", -hours_left) % {"hours": -hours_left}
    return ngettext("%(hours)d hour left", "%(hours)d hours left", hours_left) % {"hours": hours_left}


def breach_tile(request) -> Tile | None:
    count = Breach.objects.filter(status=Breach.Status.OPEN).count()  # open breaches are few
    if not count:
        return None  # nothing to show on a quiet day: the register is in the model list
    clocks = open_breach_clocks()
    rows = tuple(
        TileRow(
            label=_("Breach %(number)s: %(title)s") % {"number": clock.breach_number, "title": clock.breach_title},
            url=clock.admin_path,
            detail=_("%(recipient)s, %(time)s") % {"recipient": clock.recipient, "time": clock_words(clock.hours_left)},
            attention=clock.overdue or (clock.hours_left is not None and clock.hours_left <= 24),
        )
        for clock in clocks[:ROWS]
    )
    return Tile(
        key="breaches",
        title=_("Personal-data breaches"),
        count=count,
        summary=ngettext("open breach", "open breaches", count),
        url=f"{reverse('admin:breaches_breach_changelist')}?{urlencode({'status__exact': Breach.Status.OPEN})}",
        rows=rows,
        attention=any(row.attention for row in rows),
    )
