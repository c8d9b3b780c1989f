"""The retention app's rules in plain Python: no queries, no writes, no request.

- **Rules**: the triggers and actions a retention rule can have, how the purge carries a rule
  out (``kind_of``), which rules it can carry out at all (``validate_rule``, called by
  ``RetentionRule.clean``), and ``RetentionScope``, the value a model returns to narrow what a
  rule takes of it. This module sits below ``models``, so the model validates itself without
  importing the purge engine (``apps/retention/purge/``), which builds on these.
- **Statistics**: the suppression of small cells in the aggregated statistics report (P-26)
  and the report's value types; ``selectors/statistics.py`` counts, ``admin/statistics.py``
  shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.personal_data.registry import Entry, entries

if TYPE_CHECKING:
    from apps.personal_data.erasure.plan import TablePlan


# --- Rules ---------------------------------------------------------------------------------------

ACCOUNTS = "accounts.User"


class RuleTrigger(models.TextChoices):
    """When a rule's period starts (``RetentionRule.Trigger``)."""

    ACCOUNT_INACTIVE = "account_inactive", gettext_lazy("account inactive for")
    ACCOUNT_CLOSED = "account_closed", gettext_lazy("account closed for")
    RECORD_AGE = "record_age", gettext_lazy("record older than")
    REQUEST_CLOSED = "request_closed", gettext_lazy("request closed for")


class RuleAction(models.TextChoices):
    """What happens when it ends (``RetentionRule.Action``)."""

    DELETE = "delete", gettext_lazy("delete")
    ANONYMISE = "anonymise", gettext_lazy("anonymise")


class Rule(Protocol):
    """What these functions read of a ``RetentionRule``."""

    target: str
    trigger: str
    action: str
    age_field: str
    warning_days: str


@dataclass(frozen=True)
class RelatedRows:
    """Rows of another registered table that belong to a rule's rows and go with them, in the
    same batch: ``link`` is their foreign key to the rule's model. The rule's action is applied
    to them as the registry says (its erasure of that table: a field blanked, a row and its
    file deleted), their history too, with ``updates`` besides."""

    target: str  # the registry's Entry.label
    link: str
    updates: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetentionScope:
    """A model's say in what a rule takes of it (its classmethod ``retention_scope(trigger)``).

    ``filter`` narrows the rows (e.g. only requests never confirmed), ``updates`` are set on
    each live row besides the registry's anonymisation (e.g. their status), and
    ``history_updates`` on their history rows (e.g. an address kept until then). ``related``:
    rows of other tables found only through these (a request's messages and attachments),
    which would be left behind, found by no one, once these no longer name the person.
    """

    filter: models.Q = field(default_factory=models.Q)
    updates: dict[str, Any] = field(default_factory=dict)
    history_updates: dict[str, Any] = field(default_factory=dict)
    related: tuple[RelatedRows, ...] = ()


def rule_entry(label: str) -> Entry | None:
    return next((e for e in entries() if e.label == label), None)


def kind_of(rule: Rule) -> str:
    """How a rule is carried out: "inactive_accounts", "account_deletions", "closed_accounts" or "rows"."""
    if rule.trigger == RuleTrigger.ACCOUNT_INACTIVE:
        return "inactive_accounts"
    if rule.trigger == RuleTrigger.ACCOUNT_CLOSED and rule.target == ACCOUNTS:
        return "account_deletions" if rule.action == RuleAction.DELETE else "closed_accounts"
    return "rows"


def age_field(rule: Rule) -> str:
    return rule.age_field or ("closed_at" if rule.trigger == RuleTrigger.REQUEST_CLOSED else "")


def validate_rule(rule: Rule) -> None:
    """Refuse a rule the purge could not carry out (called by the model's clean())."""
    entry = rule_entry(rule.target)
    if entry is None:
        raise ValidationError({"target": gettext_lazy("Choose a model from the personal-data registry.")})
    if rule.trigger == RuleTrigger.ACCOUNT_INACTIVE:
        if rule.target != ACCOUNTS or rule.action != RuleAction.DELETE:
            raise ValidationError(
                gettext_lazy("An inactivity rule deletes accounts: target accounts.User, action delete.")
            )
        return
    if rule.warning_days.strip():
        raise ValidationError({"warning_days": gettext_lazy("Only inactivity rules send warnings.")})
    if kind_of(rule) != "rows":
        return
    if rule.trigger in (RuleTrigger.RECORD_AGE, RuleTrigger.REQUEST_CLOSED):
        path = age_field(rule)
        if not path or not _is_date_path(entry.model, path):
            raise ValidationError({"age_field": gettext_lazy("Name a date field of this model (an ORM path).")})
    elif not subject_path(entry) and not has_reference(entry):
        raise ValidationError({"target": gettext_lazy("This data cannot be tied to closed accounts.")})
    if rule.action == RuleAction.ANONYMISE and anonymise_plan(entry).mode != "anonymise":
        raise ValidationError({"action": gettext_lazy("This data can only be deleted.")})


def _is_date_path(model: type[models.Model], path: str) -> bool:
    *hops, last = path.split("__")
    try:
        for hop in hops:
            related = model._meta.get_field(hop).related_model
            if related is None:
                return False
            model = related
        return isinstance(model._meta.get_field(last), models.DateField)
    except FieldDoesNotExist:
        return False


def subject_path(entry: Entry) -> str:
    return entry.subject if isinstance(entry.subject, str) else ""


def has_reference(entry: Entry) -> bool:
    return any(f.name == "subject_reference" for f in entry.model._meta.concrete_fields)


def anonymise_plan(entry: Entry) -> TablePlan:
    """The registry's anonymisation of this table, ignoring its KEEP fields' legal basis: a rule
    that anonymises is what ends that basis. (Fields kept by the registry stay kept; a rule
    for them targets their own table.)"""
    # Imported here: the erasure engine loads other apps' models, and this module loads with
    # retention's own models.
    from apps.personal_data.erasure.plan import table_plan

    return table_plan(entry, reference="", holds=[])


# --- Statistics (P-26) ---------------------------------------------------------------------------

# No cell with fewer people than this is ever shown (P-26).
THRESHOLD = 10

# How a cell is shown in place of its number.
SMALL = "small"  # under the threshold: shown as "<10"
COMPLEMENTARY = "complementary"  # hidden so a small cell cannot be worked out from the total

PERIODS = (12, 24)
DEFAULT_PERIOD = 12


@dataclass(frozen=True)
class Cell:
    """One shown figure. ``count`` is None when suppressed: the hidden number is never in a report."""

    key: str
    label: str
    count: int | None
    suppressed: str = ""  # "", SMALL or COMPLEMENTARY
    period: date | None = None  # the month, for the month table

    @property
    def display(self) -> str:
        if self.suppressed == SMALL:
            return f"<{THRESHOLD}"
        if self.suppressed == COMPLEMENTARY:
            return _("suppressed")
        return str(self.count)


@dataclass(frozen=True)
class Table:
    code: str  # stable, for the CSV
    title: str
    dimension: str
    rows: list[Cell]
    total: Cell
    note: str = ""

    @property
    def any_suppressed(self) -> bool:
        return bool(self.total.suppressed) or any(cell.suppressed for cell in self.rows)


@dataclass
class Report:
    months: int
    start: date
    today: date
    tables: list[Table] = field(default_factory=list)

    def table(self, code: str) -> Table:
        return next(table for table in self.tables if table.code == code)


def suppress(items: Sequence[tuple[str, str, int]], *, threshold: int = THRESHOLD) -> tuple[list[Cell], Cell]:
    """Cells (key, label, count) and their total, with small cells and their complements hidden.

    Primary suppression: a cell under ``threshold`` (zero included) is shown as "<10".
    Complementary suppression: the table's total is shown exactly (investors want it), so a
    single hidden cell would be the total minus the shown ones. While fewer than two cells are
    hidden, or the hidden cells together hold fewer than ``threshold`` people (so that all of
    them would be pinned to a handful), the next smallest shown cell is hidden too, marked
    "suppressed" rather than "<10" because it is not small. If that runs out of cells, the
    total is itself under the threshold and is hidden as "<10".
    """
    hidden: dict[int, str] = {index: SMALL for index, (_k, _l, n) in enumerate(items) if n < threshold}
    if hidden:
        for _n, index in sorted((n, index) for index, (_k, _l, n) in enumerate(items) if index not in hidden):
            if len(hidden) >= 2 and sum(items[i][2] for i in hidden) >= threshold:
                break
            hidden[index] = COMPLEMENTARY
    cells = [
        Cell(key=key, label=label, count=None if index in hidden else n, suppressed=hidden.get(index, ""))
        for index, (key, label, n) in enumerate(items)
    ]
    total = sum(n for _k, _l, n in items)
    small_total = total < threshold
    total_cell = Cell(
        key="total", label=_("Total"), count=None if small_total else total, suppressed=SMALL if small_total else ""
    )
    return cells, total_cell
