"""The officers' pages and reminders in the reader's language: lazy titles, plurals, and times in
the organisation's zone with the zone named."""

from __future__ import annotations


def test_the_register_fieldset_titles_follow_the_readers_language():
    # gettext at import time would freeze them in whichever language was active then.
    from django.utils.functional import Promise

    from apps.breaches.admin.register import BreachAdmin

    titles = [title for title, _options in BreachAdmin.fieldsets if title is not None]
    assert len(titles) == 3
    assert all(isinstance(title, Promise) for title in titles)
