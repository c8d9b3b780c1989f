"""What other apps register with personal_data: their personal data, their legal holds,
and what they add to the export.

* **Personal fields** (``register``/``exempt``): one declaration, per model, of the personal
  data it holds. Export, erasure, retention purges, the "what we hold" page,
  ``find_personal_data`` and the record of processing all read it. Each app declares its
  own models in a ``personal_data.py`` module (autodiscovered when the app registry is
  ready; third-party tables are declared in apps/personal_data/personal_data.py); a model
  that holds personal data and is neither registered nor exempted fails a system check
  (apps/personal_data/checks.py), so a new model is registered in the change that adds it.
* **Hold providers** (``register_hold_provider``): data that erasure must keep although the
  subject asked for it to go.
* **Export notes and tables** (``EXPORT_NOTES``, ``EXPORT_TABLES``): records the export
  mentions or adds that are not registry rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
    # Extra updates erasure makes to the live row only (never its history), given the moment
    # of erasure: the account model closes itself this way (no sign-in, no password).
    closure: Callable[[datetime], dict[str, Any]] | None = field(default=None, compare=False)
    # Erasure adds one history version per erased row naming who erased it and why (the
    # account's own timeline); other tables have the certificate as their record.
    erasure_version: bool = False
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
    closure: Callable[[datetime], dict[str, Any]] | None = None,
    erasure_version: bool = False,
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
        closure=closure,
        erasure_version=erasure_version,
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


def column(model: type[models.Model], name: str) -> models.Field:
    """The model field ``name`` as a column: registered personal fields (and unique constraints) name
    columns, never the reverse side of a relation, which ``get_field`` may also return."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field), f"{model._meta.label}.{name} is not a column"
    return model_field


# --- Legal holds ------------------------------------------------------------------------
#
# The retention app (legal holds, litigation) plugs in here by registering a provider; the
# erasure engine asks every provider, once per run, which data categories of the subject
# are held. A held field is kept and listed in the certificate with the hold's reason; a
# row whose every category is held is kept whole.


@dataclass(frozen=True)
class Hold:
    categories: frozenset[str] | set[str] | None  # None holds every category
    reason: str
    reference: str

    def covers(self, category: str) -> bool:
        return self.categories is None or str(category) in {str(c) for c in self.categories}

    def as_dict(self) -> dict[str, Any]:
        return {
            "categories": None if self.categories is None else sorted(str(c) for c in self.categories),
            "reason": self.reason,
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hold:
        categories = data.get("categories")
        return cls(
            categories=None if categories is None else frozenset(categories),
            reason=data.get("reason", ""),
            reference=data.get("reference", ""),
        )


HoldProvider = Callable[[Any], Iterable[Hold]]

_PROVIDERS: list[HoldProvider] = []


def register_hold_provider(provider: HoldProvider) -> HoldProvider:
    """Add a provider ``fn(user) -> list[Hold]``; usable as a decorator."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def unregister_hold_provider(provider: HoldProvider) -> None:
    if provider in _PROVIDERS:
        _PROVIDERS.remove(provider)


def holds_for(user: Any) -> list[Hold]:
    """Every hold on ``user``'s data, from every registered provider."""
    found: list[Hold] = []
    for provider in list(_PROVIDERS):
        found.extend(provider(user) or [])
    return found


def holds_covering(category: str, holds: Iterable[Hold]) -> list[Hold]:
    return [hold for hold in holds if hold.covers(category)]


# --- Additions to the export --------------------------------------------------------------
#
# Later apps add notes about records they withhold (e.g. disclosures kept from the subject
# under an exemption) by appending a provider to ``EXPORT_NOTES``, and tables of records that
# are not registry rows (e.g. the disclosure register, filtered for the subject) by appending
# a provider to ``EXPORT_TABLES``: each table becomes ``<stem>.json`` and ``tables/<stem>.csv``
# (apps/personal_data/export/archive.py).


@dataclass(frozen=True)
class ExportNote:
    """A statement in the export about records that exist but are left out (or summarised).

    ``category`` is a registry Category value (or "" for a general note); ``text`` is
    shown to the person as is, so providers translate it (they run under the subject's
    language).
    """

    category: str
    title: str
    text: str
    count: int | None = None


# Providers: subject (the user) -> notes. The disclosures app appends one for withheld
# disclosure records ("withheld records are left out with a note").
EXPORT_NOTES: list[Callable[[Any], Iterable[ExportNote]]] = []


@dataclass(frozen=True)
class ExportTable:
    """Records another app adds to the export, written as ``<stem>.json`` and ``tables/<stem>.csv``.

    ``rows`` is called once per file and returns the rows, each a sequence in ``columns``
    order (stream them: an iterator over a queryset keeps memory flat). ``title`` is shown
    to the person, so providers translate it. The provider decides what the subject may see
    (the disclosures app leaves out withheld records and says so through EXPORT_NOTES).
    """

    stem: str
    title: str
    columns: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Any]]]


# Providers: subject (the user) -> tables. The disclosures app appends one for the
# subject's visible disclosure records (P-22).
EXPORT_TABLES: list[Callable[[Any], Iterable[ExportTable]]] = []


# --- Who the data is about, and who holds it ------------------------------------------------
# The accounts app knows the people and the organisation; the engines below it ask through
# these two hooks, which it fills in its AppConfig.ready.

# (ids of other people a subject's rows point at, the subject) -> {id: how to name them}.
PeopleLabels = Callable[[set[Any], Any], dict[Any, str]]
_people_labels: list[PeopleLabels] = []
_controller: list[Callable[[], Any]] = []


def register_people_labels(labeller: PeopleLabels) -> None:
    _people_labels[:] = [labeller]


def people_labels(ids: set[Any], subject: Any) -> dict[Any, str]:
    """How an export names the people the subject's rows point at (a follow, a message).

    Other people are not the subject's data (GDPR Art. 15(4)): without a labeller they are
    only "another person"."""
    if _people_labels:
        return _people_labels[0](ids, subject)
    return dict.fromkeys(ids, str(_("another person")))


def register_controller(provider: Callable[[], Any]) -> None:
    _controller[:] = [provider]


def controller() -> Any:
    """The data controller's identity (P-05), shown in every export; None until it is set up."""
    return _controller[0]() if _controller else None
