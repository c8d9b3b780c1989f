"""The "Your Account" navigation: every app adds its pages from its AppConfig.ready().

In core, below every app, so an app at any layer (personal_data's "Your data" too) can add
a page; the accounts app renders the menu (its context processor).
"""

from __future__ import annotations

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
        current = item.url_name == current_name or (item.covers_subpages and request.path.startswith(url))
        items.append({"key": item.key, "label": item.label, "url": url, "current": current})
    return items
