"""Texts that reach customers from data, shown in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django.utils.functional import lazy
from django.utils.translation import get_language, gettext

_Value = TypeVar("_Value")


def data_text(value: _Value, *, translations: Mapping[str, str] | None = None) -> _Value | str:
    """``value`` in the reader's language: the row's own translation for that language when it has
    one (``translations``, e.g. ``{"vi": jurisdiction.name_vi}``: a name an officer typed, which no
    catalogue can know), else the catalogue's when it has it (a seeded English text), else as stored.

    Not ``gettext`` on its own: an empty value would come back as the catalogue's header.
    """
    own = (translations or {}).get((get_language() or "").split("-")[0], "")
    if own and own.strip():
        return own
    if not isinstance(value, str) or not value.strip():
        return value
    return gettext(value)


# For a value put in a context now and rendered later in another language (an email's).
data_text_lazy = lazy(data_text, str)
