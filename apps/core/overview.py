"""The Your Account overview's cards: each app adds the state it knows from its AppConfig.ready().

In core, below every app, as the navigation is: the overview (accounts) shows how requests,
choices and exports stand without importing the apps above it. A card provider is a read (a
selector): it takes the signed-in customer and returns a card, or None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


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


def register(key: str, order: int, provider: CardProvider) -> None:
    _PROVIDERS[key] = (order, provider)


def overview_cards(user) -> list[OverviewCard]:
    cards = []
    for _order, provider in sorted(_PROVIDERS.values(), key=lambda entry: entry[0]):
        card = provider(user)
        if card is not None:
            cards.append(card)
    return cards
