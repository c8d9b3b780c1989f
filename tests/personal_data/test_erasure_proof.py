"""Proof of erasure: after it, a marker put in every personal text field is nowhere in the database.

Reads every column of every table (not only the registered ones), so a copy of the data in a
table the registry does not know about (a history table, a log, a cache) fails this test.
"""

from __future__ import annotations

from django.db import connection, models

from apps.core.actors import record_actor
from apps.personal_data.registry import Action, entries, iter_personal_columns
from tests.personal_data.test_erasure import build_subject, erase

MARKER = "zq7mrk"  # short enough for every column it goes into, unlikely anywhere by chance
TEXT = (models.CharField, models.TextField, models.FileField)
TEXT_OR_JSON = (*TEXT, models.JSONField)


def _marker_value(model_field: models.Field, row_pk: object, version: int) -> str | None:
    value = f"{MARKER}{version}x{row_pk}"
    if isinstance(model_field, models.EmailField):
        value = f"{value}@example.test"
    if model_field.max_length is not None and len(value) > model_field.max_length:
        return None  # e.g. a two-letter country code cannot hold a marker
    return value


def mark_everything(user) -> None:
    """Markers in every personal text (and JSON) field of every registered model, twice over."""
    for version in (1, 2):
        for entry in entries():
            text_fields = [
                entry.model._meta.get_field(pf.name)
                for entry_, pf in iter_personal_columns()
                if entry_ is entry and isinstance(entry.model._meta.get_field(pf.name), TEXT_OR_JSON)
            ]
            for obj in entry.model._base_manager.filter(entry.subject_q(user)):
                for model_field in text_fields:
                    if isinstance(model_field, models.JSONField):
                        setattr(obj, model_field.attname, {"note": f"{MARKER}{version}"})
                        continue
                    value = _marker_value(model_field, obj.pk, version)
                    if value is not None:
                        setattr(obj, model_field.attname, value)
                if entry.history_model is not None:
                    record_actor(obj, actor=None, reason=f"edited: {MARKER} version {version}")
                obj.save()  # with history, each save is one more version holding the markers


def marker_cells() -> set[tuple[str, str]]:
    """(table, column) of every cell in the database that contains the marker."""
    found = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # names from introspection
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        text = bytes(value).decode("utf-8", "ignore")
                    else:
                        text = str(value)
                    if MARKER in text.lower():
                        found.add((table, column))
    return found


def test_it_leaves_the_marker_only_where_the_certificate_says_data_is_kept(customer, other_customer):
    subject = build_subject("proof@example.test", tag="proof")
    mark_everything(subject)
    before = marker_cells()
    # The check can see what it looks for: live tables and history tables, text and JSON.
    assert {
        ("accounts_user", "full_name"),
        ("accounts_historicaluser", "full_name"),
        ("accounts_historicaluser", "history_change_reason"),
        ("accounts_historicalpublicprofile", "display_name"),
        ("accounts_loginevent", "user_agent"),
        ("socialaccount_socialtoken", "token"),
        ("socialaccount_socialaccount", "extra_data"),
        ("django_admin_log", "object_repr"),
        ("personal_data_dataexport", "file"),
    } <= before

    run = erase(subject)

    kept = {
        (table["table"], subject_field.column)
        for table in run.certificate["tables"]
        for note in table["kept"] + table["held"]
        for subject_field in [
            next(e for e in entries() if e.table == table["table"]).model._meta.get_field(note["field"])
        ]
    }
    leftovers = marker_cells() - kept
    assert leftovers == set(), f"personal data left after erasure: {sorted(leftovers)}"
    assert all(
        pf.action == Action.KEEP
        for entry, pf in iter_personal_columns()
        if (entry.table, entry.model._meta.get_field(pf.name).column) in marker_cells()
    )
