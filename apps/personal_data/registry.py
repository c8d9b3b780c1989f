"""The personal-data registry: one declaration, per model, of the personal data it holds.

Export, erasure, retention purges, the "what we hold" page, ``find_personal_data`` and the
record of processing all read this registry. Each app declares its own models in a
``personal_data.py`` module (autodiscovered when the app registry is ready); a model
that holds personal data and is neither registered nor exempted fails a system check
(apps/personal_data/checks.py), so a new model is registered in the change that adds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Data categories, each mapped to fideslang's ``user.*`` taxonomy (see FIDES_CATEGORY)."""

    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    ACCOUNT = "account", _("Account")
    USAGE = "usage", _("Usage")
    TECHNICAL = "technical", _("Technical")
    CONTENT = "content", _("Content")
    FINANCIAL = "financial", _("Financial")
    PREFERENCES = "preferences", _("Preferences")
    COMMUNICATIONS = "communications", _("Communications")


FIDES_CATEGORY = {
    Category.IDENTITY: "user.name",
    Category.CONTACT: "user.contact",
    Category.ACCOUNT: "user.account",
    Category.USAGE: "user.behavior",
    Category.TECHNICAL: "user.device",
    Category.CONTENT: "user.content",
    Category.FINANCIAL: "user.financial",
    Category.PREFERENCES: "user.privacy_preferences",
    Category.COMMUNICATIONS: "user.content.private",
}


class Action(models.TextChoices):
    """What erasure does to a field (or, for DELETE_ROW, to the whole row)."""

    DELETE_ROW = "delete_row", _("delete the row")
    NULL = "null", _("set to empty")
    FIXED = "fixed", _("replace with a fixed value")
    PSEUDONYM = "pseudonym", _("replace with the subject's pseudonymous reference")
    KEEP = "keep", _("keep under a legal basis")


class LegalBasis(models.TextChoices):
    LEGAL_OBLIGATION = "legal_obligation", _("legal obligation")
    LEGAL_CLAIM = "legal_claim", _("establishment, exercise or defence of legal claims")


@dataclass(frozen=True)
class PersonalField:
    name: str
    category: Category
    action: Action = Action.NULL
    value: Any = None  # the replacement for Action.FIXED
    legal_basis: LegalBasis | None = None  # required for Action.KEEP
    retention: str = ""  # how long a kept field is kept, in words (e.g. "5 years after closure")

    def __post_init__(self) -> None:
        if self.action == Action.KEEP and not self.legal_basis:
            raise ValueError(f"{self.name}: a kept field needs a legal basis")
        if self.action == Action.DELETE_ROW:
            raise ValueError(f"{self.name}: DELETE_ROW is a row action; pass erase=Action.DELETE_ROW to register()")


# subject(user) -> Q selecting this model's rows about that user.
SubjectFilter = Callable[[Any], models.Q]


@dataclass(frozen=True)
class Entry:
    model: type[models.Model]
    subject: str | SubjectFilter  # an ORM path to the User ("" for User itself) or a callable
    fields: tuple[PersonalField, ...]
    erase: Action  # DELETE_ROW, or NULL meaning "anonymise field by field"
    purpose: str
    description: str = ""
    export: bool = True
    tabular: bool = False  # exported as CSV as well as JSON
    # The subject filter reads other registered rows (which erasure removes first): the
    # engine evaluates it once, before any table, and keeps the keys it matched.
    freeze_subject: bool = False
    history_model: type[models.Model] | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def subject_q(self, user: Any) -> models.Q:
        if callable(self.subject):
            return self.subject(user)
        if self.subject == "":
            return models.Q(pk=user.pk)
        return models.Q(**{self.subject: user})

    def categories(self) -> list[str]:
        return sorted({f.category for f in self.fields})

    def kept_fields(self) -> list[PersonalField]:
        return [f for f in self.fields if f.action == Action.KEEP]


@dataclass(frozen=True)
class Exemption:
    model: type[models.Model]
    reason: str


_ENTRIES: dict[str, Entry] = {}
_EXEMPT: dict[str, Exemption] = {}


def register(
    model: type[models.Model],
    *,
    subject: str | SubjectFilter,
    fields: list[PersonalField] | tuple[PersonalField, ...],
    purpose: str,
    erase: Action = Action.DELETE_ROW,
    description: str = "",
    export: bool = True,
    tabular: bool = False,
    freeze_subject: bool = False,
) -> Entry:
    if erase not in (Action.DELETE_ROW, Action.NULL):
        raise ValueError("erase is DELETE_ROW or NULL (anonymise field by field)")
    names = {f.name for f in model._meta.get_fields()}
    unknown = [f.name for f in fields if f.name not in names]
    if unknown:
        raise ValueError(f"{model._meta.label}: unknown fields {unknown}")
    history = getattr(model, "history", None)
    entry = Entry(
        model=model,
        subject=subject,
        fields=tuple(fields),
        erase=erase,
        purpose=purpose,
        description=description,
        export=export,
        tabular=tabular,
        freeze_subject=freeze_subject,
        history_model=getattr(history, "model", None),
    )
    _ENTRIES[model._meta.label] = entry
    return entry


def exempt(model: type[models.Model], *, reason: str) -> None:
    """Declare that a model holds no personal data, saying why (read by the system check)."""
    if not reason.strip():
        raise ValueError("an exemption needs a reason")
    _EXEMPT[model._meta.label] = Exemption(model=model, reason=reason)


def entries() -> list[Entry]:
    """Registered models, ordered so that rows pointing at other registered rows come first.

    Erasure deletes in this order, so no delete ever cascades into a table the engine has
    not handled yet (a cascade would bypass the batching and the history scrub).
    """
    ordered: list[Entry] = []
    seen: set[str] = set()
    pending = dict(_ENTRIES)

    def depends_on(entry: Entry) -> set[str]:
        targets = set()
        for f in entry.model._meta.get_fields():
            if (f.many_to_one or f.one_to_one) and f.concrete and f.related_model is not None:
                label = f.related_model._meta.label
                if label in pending and label != entry.label:
                    targets.add(label)
        return targets

    # Reverse topological order: an entry goes after every entry that points at it.
    pointed_by: dict[str, set[str]] = {label: set() for label in pending}
    for label, entry in pending.items():
        for target in depends_on(entry):
            pointed_by[target].add(label)

    def visit(label: str) -> None:
        if label in seen:
            return
        seen.add(label)
        for child in sorted(pointed_by[label]):
            visit(child)
        ordered.append(pending[label])

    for label in sorted(pending):
        visit(label)
    # visit() appends parents after their children: children come first already.
    return ordered


def entry_for(model: type[models.Model]) -> Entry | None:
    return _ENTRIES.get(model._meta.label)


def exemptions() -> list[Exemption]:
    return sorted(_EXEMPT.values(), key=lambda e: e.model._meta.label)


def is_covered(model: type[models.Model]) -> bool:
    label = model._meta.label
    if label in _ENTRIES or label in _EXEMPT:
        return True
    # A simple-history table is covered by its model's declaration.
    instance_type = getattr(model, "instance_type", None)
    return instance_type is not None and is_covered(instance_type)


def iter_personal_columns() -> Iterator[tuple[Entry, PersonalField]]:
    for entry in entries():
        for personal_field in entry.fields:
            yield entry, personal_field
