"""The "Your Account" shell: its menu and its overview's cards; every app adds its pages and its
cards from its AppConfig.ready().

In core, below every app, so an app at any layer (personal_data's "Your data" too) can add
a page; the accounts app renders the menu (its context processor).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    order: int
    # Also current on the pages below its URL (a list whose items have pages of their own).
    covers_subpages: bool = False
    # Pages elsewhere that belong to this section, with the pages below them (allauth's, which
    # Security links to): without this a phone's section picker names no section on them.
    also_covers: tuple[str, ...] = ()


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.key] = item


def account_navigation(request) -> list[dict]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return []
    current = getattr(request, "resolver_match", None)
    current_name = f"{current.namespace}:{current.url_name}" if current and current.namespace else ""
    items = []
    for item in sorted(_ITEMS.values(), key=lambda i: i.order):
        url = reverse(item.url_name)
        current = (
            item.url_name == current_name
            or (item.covers_subpages and request.path.startswith(url))
            or any(request.path.startswith(reverse(name)) for name in item.also_covers)
        )
        items.append({"key": item.key, "label": item.label, "url": url, "current": current})
    return items


# --- The overview's cards ---------------------------------------------------------------------
# The overview (accounts) shows how requests, choices and exports stand without importing the
# apps above it. A card provider is a read (a selector): it takes the signed-in customer and
# returns a card, or None to show nothing.


@dataclass(frozen=True)
class OverviewCard:
    key: str
    title: str | Promise
    # The state in a few words ("Off", "2 devices") and a sentence saying what it means.
    state: str | Promise
    detail: str | Promise
    # The next step: where to go to change it.
    action_label: str | Promise
    action_url: str
    # True when the state deserves a look (two-factor off, a request waiting on a date).
    attention: bool = False


CardProvider = Callable[..., "OverviewCard | None"]

_PROVIDERS: dict[str, tuple[int, CardProvider]] = {}


def register_card(key: str, order: int, provider: CardProvider) -> None:
    _PROVIDERS[key] = (order, provider)


def overview_cards(user) -> list[OverviewCard]:
    cards = []
    for _order, provider in sorted(_PROVIDERS.values(), key=lambda entry: entry[0]):
        card = provider(user)
        if card is not None:
            cards.append(card)
    return cards
