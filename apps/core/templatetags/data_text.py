"""``{{ value|data_text }}``: a text stored in the database, in the reader's language.

Seeded English texts (cookie durations, device types, jurisdiction and authority names, demo
outcomes) are marked with ``gettext_noop`` where they are seeded, so ``makemessages`` puts them in
the catalogue; at render time the stored English is looked up there. A text an officer typed
that the catalogue does not know is shown as typed.
"""

from __future__ import annotations

from django import template

from apps.core.text import data_text as translate_data_text

register = template.Library()


@register.filter
def data_text(value: object) -> object:
    return translate_data_text(value)
