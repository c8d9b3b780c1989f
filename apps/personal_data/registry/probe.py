"""Which registered tables hold anything of one person, asked in one statement.

Erasure and export go through every registered table, and most are empty for most people;
asking each table on its own cost one round trip and one compiled query per table (75 for
an erasure). ``phases_with_rows`` asks them all at once, and ``sql_for`` compiles each
question once per process, from a stand-in key, when the rows depend on the person's key
alone (``Entry.subject_by_key``), then puts each person's key in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router
from django.db.models.signals import post_delete, post_migrate, post_save


@dataclass(frozen=True)
class Probe:
    """One (table, phase), as a question: does it hold any row of the subject?

    ``rows`` builds that phase's rows of a user (None: the phase does not apply). When they
    depend on the user's key alone (``by_key``), the question is compiled to SQL once per
    process and table, then asked with each subject's key."""

    label: str
    phase: str
    rows: Callable[[Any], models.QuerySet | None]
    by_key: bool


# A user key no row has, standing for the subject's key while SQL is compiled to be reused.
_KEY = -1_987_654_321
# (database, what, table, phase) -> (SQL, parameters, where the subject's key goes), or
# None when the rows never apply to the table. SQL whose parameters do not show the
# stand-in key is not kept: it is compiled anew each time.
_COMPILED: dict[tuple[str, ...], tuple[str, list, list[tuple[int, bool]]] | None] = {}


def _forget_compiled(**kwargs) -> None:
    """Compiled SQL may hold content type ids (the admin log's filter names tables by them):
    forgotten whenever content types may have changed (migrate, flush, a type added)."""
    _COMPILED.clear()


post_migrate.connect(_forget_compiled, dispatch_uid="personal_data.probe.compiled")
post_save.connect(_forget_compiled, sender=ContentType, dispatch_uid="personal_data.probe.compiled.save")
post_delete.connect(_forget_compiled, sender=ContentType, dispatch_uid="personal_data.probe.compiled.delete")


def _sql(rows: models.QuerySet, what: str) -> tuple[str, list]:
    query = rows.query.exists() if what == "exists" else rows.values_list("pk", flat=True).query
    sql, params = query.get_compiler(using=rows.db).as_sql()
    return sql, list(params)


def sql_for(
    rows: Callable[[Any], models.QuerySet | None], user, *, what: str, key: tuple[str, ...], by_key: bool, using: str
) -> tuple[str, list] | None:
    """The SQL (and parameters) of ``rows(user)``: "exists" asks whether there is any, "pks"
    lists their keys. With ``by_key``, compiled once per process under ``key`` from a
    stand-in user, then given ``user``'s key (building and compiling a filter costs more
    than running it, and erasure and export ask about every registered table)."""
    cache_key = (using, what, *key)
    if by_key and cache_key not in _COMPILED:
        built = rows(get_user_model()(pk=_KEY))
        if built is None:
            _COMPILED[cache_key] = None
        else:
            sql, params = _sql(built, what)
            slots = [(i, isinstance(v, str)) for i, v in enumerate(params) if v == _KEY or v == str(_KEY)]
            if slots and built.db == using:
                _COMPILED[cache_key] = (sql, params, slots)
    if by_key and cache_key in _COMPILED:
        cached = _COMPILED[cache_key]
        if cached is None:
            return None
        sql, params, slots = cached
        params = list(params)
        for position, text in slots:
            params[position] = str(user.pk) if text else user.pk
        return sql, params
    built = rows(user)
    return None if built is None else _sql(built, what)


def phases_with_rows(probes: list[Probe], user) -> set[tuple[str, str]]:
    """The (table, phase) pairs of ``probes`` that hold any row of the subject, asked in one
    statement (SELECT EXISTS(...), EXISTS(...), ...) instead of a query each. Most of the
    registry's tables are empty for most people: erasure and export then skip them."""
    using = router.db_for_write(get_user_model())
    parts: list[str] = []
    params: list = []
    asked: list[tuple[str, str]] = []
    for probe in probes:
        compiled = sql_for(
            probe.rows, user, what="exists", key=(probe.label, probe.phase), by_key=probe.by_key, using=using
        )
        if compiled is None:
            continue
        parts.append(f"EXISTS({compiled[0]})")
        params.extend(compiled[1])
        asked.append((probe.label, probe.phase))
    if not parts:
        return set()
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        answers = cursor.fetchone()
    return {pair for pair, found in zip(asked, answers, strict=True) if found}
