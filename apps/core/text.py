"""Texts that reach customers from data, shown in the reader's language."""

from __future__ import annotations

from typing import TypeVar

from django.utils.functional import lazy
from django.utils.translation import gettext

_Value = TypeVar("_Value")


def data_text(value: _Value) -> _Value | str:
    """``value`` translated when the catalogue has it (a seeded English text), else as stored.

    Not ``gettext`` on its own: an empty value would come back as the catalogue's header.
    """
    if not isinstance(value, str) or not value.strip():
        return value
    return gettext(value)


# For a value put in a context now and rendered later in another language (an email's).
data_text_lazy = lazy(data_text, str)
