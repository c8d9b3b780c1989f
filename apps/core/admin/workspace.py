"""The privacy-operations home (the admin index for staff): tiles of what needs doing today,
then the model list grouped by the officer's work.

Each app adds its tiles from its AppConfig.ready() with ``register_tile``; a tile's
provider is a read (the app's selectors) that returns the tile, or None when there is
nothing to show. Core imports none of them, as with the overview's cards (apps/core/cards.py).

Every number on a tile links to the changelist that lists the rows behind it: the tile's
count and that list's filter come from the same selector, so they agree.

The providers run on every visit of the home page: each must stay one or two indexed
queries over a small set (open requests, active holds, failed jobs), never a count of a
whole table that grows with the customers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Text = str | Promise


@dataclass(frozen=True)
class TileRow:
    """One line on a tile: a request, a hold, a job…"""

    label: Text
    url: str
    detail: Text = ""
    attention: bool = False


@dataclass(frozen=True)
class Tile:
    key: str
    title: Text
    # The number and what it counts ("3 overdue"); None for a tile that shows a state, not a count.
    count: int | None
    summary: Text
    url: str  # the filtered list behind the number
    rows: tuple[TileRow, ...] = ()
    attention: bool = False  # the number deserves a look today (overdue, failed…)
    # Further numbers on the same tile, each with its own list.
    figures: tuple[tuple[int, Text, str, bool], ...] = field(default=())  # (count, label, url, attention)


TileProvider = Callable[[HttpRequest], "Tile | Iterable[Tile] | None"]


@dataclass(frozen=True)
class _Entry:
    order: int
    may_view: Callable[[Any], bool]
    provider: TileProvider


_TILES: dict[str, _Entry] = {}


def register_tile(key: str, *, order: int, may_view: Callable[[Any], bool], provider: TileProvider) -> None:
    """Add a tile to the home page, for the staff ``may_view`` lets see it. Registering the same
    key again replaces it."""
    _TILES[key] = _Entry(order, may_view, provider)


def workspace_tiles(request: HttpRequest) -> list[Tile]:
    tiles: list[Tile] = []
    for _key, entry in sorted(_TILES.items(), key=lambda item: (item[1].order, item[0])):
        if not entry.may_view(request.user):
            continue
        made = entry.provider(request)
        if made is None:
            continue
        tiles.extend([made] if isinstance(made, Tile) else made)
    return tiles


# --- The model list, grouped by the officer's work ----------------------------------------------
# By model label first, then by app label; history tables ("Historical …") always go to the
# records. Labels are strings: core names the apps without importing them.

RECORDS = "records"

GROUPS: tuple[tuple[str, Text], ...] = (
    ("requests", _("Requests and people")),
    ("consent", _("Consent and communications")),
    ("disclosures", _("Disclosures and staff access")),
    ("retention", _("Retention, erasure and export")),
    ("service", _("Service data")),
    ("operations", _("Background work")),
    ("settings", _("Settings and sign-in")),
    (RECORDS, _("Records and audit")),
)

_BY_MODEL = {
    "accounts.organisation": "settings",
    "subject_requests.jurisdiction": "settings",
    "subject_requests.deadlinerule": "settings",
    "disclosures.chainanchor": RECORDS,
    "disclosures.staffaccessevent": RECORDS,
    "socialaccount.socialtoken": RECORDS,
    "socialaccount.socialaccount": RECORDS,
    "usersessions.usersession": RECORDS,
    "account.emailaddress": RECORDS,
}
_BY_APP = {
    "subject_requests": "requests",
    "accounts": "requests",
    "consent": "consent",
    "disclosures": "disclosures",
    "retention": "retention",
    "personal_data": "retention",
    "service_data": "service",
    "core": "operations",
}


def group_of(app_label: str, object_name: str) -> str:
    if object_name.startswith("Historical"):
        return RECORDS
    label = f"{app_label}.{object_name}".lower()
    return _BY_MODEL.get(label) or _BY_APP.get(app_label, "settings")


def grouped_models(app_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The admin's app list (``AdminSite.get_app_list``) regrouped: [{key, title, models}], in
    ``GROUPS`` order, empty groups left out, models by name within a group."""
    buckets: dict[str, list[dict[str, Any]]] = {key: [] for key, _title in GROUPS}
    for app in app_list:
        for model in app["models"]:
            row = {**model, "row_id": f"{app['app_label']}-{model['object_name'].lower()}"}
            buckets[group_of(app["app_label"], model["object_name"])].append(row)
    return [
        {"key": key, "title": title, "models": sorted(buckets[key], key=lambda m: str(m["name"]).lower())}
        for key, title in GROUPS
        if buckets[key]
    ]
