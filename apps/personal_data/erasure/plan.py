"""What erasure does to one table, decided from the registry and the holds; and the dry run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from apps.personal_data.domain import subject_reference as make_subject_reference
from apps.personal_data.registry import (
    Action,
    Entry,
    Hold,
    PersonalField,
    column,
    entries,
    holds_covering,
    holds_for,
)

if TYPE_CHECKING:
    from apps.accounts.models import User  # the subject; AUTH_USER_MODEL at run time


class NoEmptyValue(ValueError):
    pass


def _unique_groups(model: type[models.Model]) -> list[list[str]]:
    """The field names of each unique constraint of ``model`` (not the primary key), in order.

    Covers ``unique=True``, ``unique_together`` and UniqueConstraint, on fields or on
    expressions over fields (``Lower("handle")``).
    """
    groups = [[f.name] for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    groups += [list(together) for together in model._meta.unique_together]
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint):
            continue
        names = list(constraint.fields)
        stack = list(reversed(constraint.expressions))
        while stack:
            expression = stack.pop()
            if isinstance(expression, models.F):
                names.append(expression.name)  # type: ignore[attr-defined]  # django-stubs' F does not declare .name
            elif hasattr(expression, "get_source_expressions"):
                stack.extend(reversed([e for e in expression.get_source_expressions() if e is not None]))
        groups.append([model._meta.get_field(name).name for name in names])
    return groups


def _unique_empty(model_field: models.Field) -> Any:
    """A per-row "nothing here" for a unique column: emptied rows must not collide."""
    if model_field.null:
        return None
    max_length = model_field.max_length
    pk = Cast("pk", models.CharField(max_length=max_length))
    if isinstance(model_field, models.EmailField) and (max_length is None or max_length >= 60):
        return Concat(models.Value("erased-"), pk, models.Value("@erased.invalid"), output_field=model_field)
    if max_length is None or max_length >= 40:
        return Concat(models.Value("erased-"), pk, output_field=model_field)
    return pk


def empty_value(model_field: models.Field) -> Any:
    """The "nothing here" value a column can hold: NULL where allowed, else the type's empty."""
    if model_field.null:
        return None
    if isinstance(model_field, models.BooleanField):
        return False
    if isinstance(model_field, models.JSONField):
        return {}
    if isinstance(model_field, models.CharField | models.TextField | models.FileField):
        return ""
    raise NoEmptyValue(f"{model_field.model._meta.label}.{model_field.name} has no empty value")


def _erased_email(reference: str) -> str:
    # Unique (the reference is), obviously not an address, and on a reserved TLD.
    return f"erased-{reference[:24]}@erased.invalid"


# --- What happens to one table ------------------------------------------------------


@dataclass
class TablePlan:
    entry: Entry
    mode: str  # "delete", "anonymise" or "keep" (every category held)
    updates: dict[str, Any] = field(default_factory=dict)  # column attname -> new value
    closure: dict[str, Any] = field(default_factory=dict)  # live row only (never rewrites history)
    history_values: dict[str, Any] = field(default_factory=dict)  # history's value where updates is per-row
    kept: list[dict] = field(default_factory=list)
    held: list[dict] = field(default_factory=list)

    @property
    def history_updates(self) -> dict[str, Any]:
        history = self.entry.history_model
        if history is None:
            return {}
        names = {f.attname for f in history._meta.concrete_fields}
        values = {k: v for k, v in {**self.updates, **self.history_values}.items() if k in names}
        # The reason of an old change may quote the data ("changed name to …").
        values["history_change_reason"] = None
        return values

    def file_fields(self, model: type[models.Model]) -> list[str]:
        """File columns (of ``model``: the live or the history table) whose files go with this batch."""
        live = {f.attname for f in self.entry.model._meta.concrete_fields if isinstance(f, models.FileField)}
        if self.mode != "delete":
            live &= set(self.updates)
        return sorted(live & {f.attname for f in model._meta.concrete_fields})


def _hold_note(personal_field: PersonalField, holds: list[Hold]) -> dict:
    return {
        "field": personal_field.name,
        "category": str(personal_field.category),
        "holds": [{"reason": h.reason, "reference": h.reference} for h in holds],
    }


def _kept_note(personal_field: PersonalField) -> dict:
    return {
        "field": personal_field.name,
        "legal_basis": str(personal_field.legal_basis),
        "retention": str(personal_field.retention),
    }


def table_plan(entry: Entry, *, reference: str, holds: list[Hold], now=None) -> TablePlan:
    """Decide, from the registry and the holds, what erasure does to ``entry``'s rows."""
    model = entry.model
    kept = [_kept_note(f) for f in entry.fields if f.action == Action.KEEP]
    held_fields = {f.name: holds_covering(f.category, holds) for f in entry.fields if f.action != Action.KEEP}
    held_fields = {name: found for name, found in held_fields.items() if found}
    by_name = {f.name: f for f in entry.fields}
    held = [_hold_note(by_name[name], found) for name, found in held_fields.items()]

    if entry.erase == Action.DELETE_ROW and not held and not kept:
        return TablePlan(entry, "delete")

    if entry.erase == Action.DELETE_ROW and not held_fields.keys() ^ {
        f.name for f in entry.fields if f.action != Action.KEEP
    }:
        # Every category this table holds is under a hold: the rows stay as they are.
        return TablePlan(entry, "keep", kept=kept, held=held)

    updates: dict[str, Any] = {}
    history_values: dict[str, Any] = {}
    emptied: dict[str, models.Field] = {}  # EMPTY columns given one shared empty value
    for personal_field in entry.fields:
        if personal_field.action == Action.KEEP or personal_field.name in held_fields:
            continue
        model_field = column(model, personal_field.name)
        action = personal_field.action
        if action == Action.FIXED:
            value = personal_field.value
        elif action == Action.PSEUDONYM:
            if isinstance(model_field, models.EmailField):
                value = _erased_email(reference)
            else:
                value = reference[: model_field.max_length or None]
        else:
            try:
                value = empty_value(model_field)
            except NoEmptyValue:
                if entry.erase == Action.NULL:
                    raise  # a registry mistake: NULL on a column that cannot be empty
                # A held row keeps a column that cannot be emptied (a date, a link).
                held.append({**_hold_note(personal_field, []), "note": "kept with the held row (cannot be emptied)"})
                continue
            if value is not None:
                emptied[model_field.name] = model_field
        updates[model_field.attname] = value

    if not updates and held_fields and entry.closure is None:
        # An anonymised table (erase=NULL) whose every erasable field is held: nothing to
        # change, the rows stay as they are and are counted as kept, so the erasure is
        # PARTIAL and the purge completes it once the hold is released (an unpaid invoice's
        # financial hold keeps the invoice linked to the account, P-42).
        return TablePlan(entry, "keep", kept=kept, held=held)

    # Rows that stay (anonymised, or kept under a hold) must still satisfy every unique
    # constraint: where all of them would get the same empty value, one of the constraint's
    # emptied columns gets a value of its own per row instead. A NULL never collides.
    per_row: set[str] = set()
    for group in _unique_groups(model):
        columns = [column(model, name) for name in group]
        if any(c.attname in updates and updates[c.attname] is None for c in columns) or per_row & set(group):
            continue
        candidates = [name for name in group if name in emptied]
        if candidates:
            model_field = emptied[candidates[0]]
            history_values[model_field.attname] = updates[model_field.attname]  # history has no constraints
            updates[model_field.attname] = _unique_empty(model_field)
            per_row.add(model_field.name)

    # Live row only: the history keeps showing the row as it was, minus the personal data.
    closure = entry.closure(now or timezone.now()) if entry.closure is not None else {}
    return TablePlan(
        entry, "anonymise", updates=updates, closure=closure, history_values=history_values, kept=kept, held=held
    )


def _history_subject_q(entry: Entry, user) -> models.Q | None:
    """The subject's rows in the history table, for history rows whose live row is gone."""
    history = entry.history_model
    if history is None:
        return None  # the table keeps no history
    if entry.subject == "":
        return models.Q(id=user.pk)
    try:
        q = entry.subject_q(user)
        history._base_manager.filter(q).query  # noqa: B018 (builds the query: FieldError if not applicable)
    except FieldError:
        return None
    return q


def _orphan_history(entry: Entry, user) -> models.QuerySet | None:
    history = entry.history_model
    q = _history_subject_q(entry, user)
    if history is None or q is None:
        return None
    return history._base_manager.filter(q).exclude(id__in=entry.model._base_manager.values("pk"))


def erasure_plan(*, subject: User) -> list[dict]:
    """The dry run: per table, what an erasure would do now. Writes nothing."""
    reference = make_subject_reference(subject)
    holds = holds_for(subject)
    rows = []
    for entry in entries():
        plan = table_plan(entry, reference=reference, holds=holds)
        live = entry.model._base_manager.filter(entry.subject_q(subject))
        count = live.count()
        history_rows = 0
        if entry.history_model is not None:
            history_rows = entry.history_model._base_manager.filter(id__in=live.values("pk")).count()
            orphans = _orphan_history(entry, subject)
            history_rows += orphans.count() if orphans is not None else 0
        rows.append(
            {
                "table": entry.table,
                "model": entry.label,
                "rows_to_delete": count if plan.mode == "delete" else 0,
                "rows_to_anonymise": count if plan.mode == "anonymise" else 0,
                "rows_to_keep": count if plan.mode == "keep" else 0,
                "history_rows_to_scrub": history_rows if plan.mode != "keep" else 0,
                "kept": plan.kept,
                "held": plan.held,
            }
        )
    return rows
