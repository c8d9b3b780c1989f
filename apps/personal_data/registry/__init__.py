"""What other apps register with personal_data: their personal data, their legal holds,
and what they add to the export.

* **Personal fields** (``register``/``exempt``): one declaration, per model, of the personal
  data it holds. Export, erasure, retention purges, the "what we hold" page,
  ``find_personal_data`` and the record of processing all read it. Each app declares its
  own models in a ``personal_data.py`` module (autodiscovered when the app registry is
  ready; third-party tables are declared in apps/personal_data/personal_data.py); a model
  that holds personal data and is neither registered nor exempted fails a system check
  (apps/personal_data/checks.py), so a new model is registered in the change that adds it.
* **Who may see them** (``Viewer``, ``CATEGORY_VIEWERS``, ``PersonalField.seen_by``): the
  field-level view rule the admin applies to staff roles.
* **Hold providers** (``register_hold_provider``, in ``holds``): data that erasure must keep
  although the subject asked for it to go.
* **Export notes and tables** (``EXPORT_NOTES``, ``EXPORT_TABLES``, in ``export``): records the
  export mentions or adds that are not registry rows.
* **People** (``register_people_labels``, ``register_controller``, in ``people``): hooks the
  accounts app fills in.
* **Processing** (``register_recipients``, ``register_retention_rules``, ``register_authority``,
  in ``processing``): recipients, retention rules and supervisory authorities, which the apps
  above this one know; the access answer and the records of processing read them.

Every name is imported from ``apps.personal_data.registry``, whichever module holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import models

from apps.personal_data.registry.taxonomy import (
    CATEGORY_VIEWERS,
    CUSTOMER_SERVICE,
    EVERY_STAFF_ROLE,
    FIDES_CATEGORY,
    FIDES_WHOLE,
    OFFICERS_ONLY,
    Action,
    Category,
    DataSubjects,
    LegalBasis,
    Viewer,
)


@dataclass(frozen=True)
class PersonalField:
    name: str
    category: Category
    action: Action = Action.NULL
    value: Any = None  # the replacement for Action.FIXED
    legal_basis: LegalBasis | None = None  # every field has one (personal_data.E005); the entry's by default
    # How long the field is kept, in words the person reads (lazily translated), e.g. "5 years
    # after the account ends"; the entry's by default.
    retention: Any = ""
    # Who may see it in the admin, when not its category's viewers (CATEGORY_VIEWERS).
    seen_by: frozenset[Viewer] | None = None
    # For a file field: the column holding the name the person gave the file, which the
    # export uses inside the ZIP (stored names are random and mean nothing to them).
    file_name: str = ""
    # The fideslang leaf, when the category's (FIDES_CATEGORY) does not fit this field.
    fides: str = ""
    # False leaves the field out of the export (a keyed hash means nothing to the person).
    export: bool = True
    # The field's name for the person, when its verbose name is a developer's (a third-party
    # model's "uid"); lazily translated.
    label: Any = ""
    # True when our code writes the value from a fixed set of English texts (a device type, a
    # request's outcome): the export's readable pages show it in the reader's language where
    # the catalogue has it; the CSV and JSON keep it as stored.
    seeded_text: bool = False

    @property
    def fides_category(self) -> str:
        return self.fides or FIDES_CATEGORY[self.category]

    # For a file field: the columns holding the file's SHA-256 (hex), CRC-32 (an integer) and
    # size recorded when it was stored. With the first two, the export checks the bytes it
    # copies against the CRC-32 (which the ZIP computes anyway) and the size, and lists the
    # recorded SHA-256 instead of hashing the file again; without, it hashes what it copies.
    file_sha256: str = ""
    file_crc32: str = ""
    file_size: str = ""

    @property
    def viewers(self) -> frozenset[Viewer]:
        """Who may see this field; nobody when its category is undeclared (a failing check)."""
        if self.seen_by is not None:
            return self.seen_by
        return CATEGORY_VIEWERS.get(self.category, frozenset())

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
    purpose: Any  # in words the person reads (lazily translated)
    description: str = ""
    export: bool = True
    tabular: bool = False  # exported as CSV as well as JSON
    # The subject filter reads other registered rows (which erasure removes first): the
    # engine evaluates it once, before any table, and keeps the keys it matched.
    freeze_subject: bool = False
    # The subject filter depends on nothing but the user's key (it reads no rows while it is
    # built): the erasure engine may compile its SQL once per process, with a stand-in key,
    # and then only put each subject's key in. True of every ORM path; a callable says so.
    subject_by_key: bool = False
    # Extra updates erasure makes to the live row only (never its history), given the moment
    # of erasure: the account model closes itself this way (no sign-in, no password).
    closure: Callable[[datetime], dict[str, Any]] | None = field(default=None, compare=False)
    # Erasure adds one history version per erased row naming who erased it and why (the
    # account's own timeline); other tables have the certificate as their record.
    erasure_version: bool = False
    history_model: type[models.Model] | None = field(default=None, compare=False)
    # For the person and the record of processing (GDPR Art. 13-15, 30): what the rows are
    # called, whom they are about, where they come from when not from the person, and any
    # decision made about the person by automated means alone (none, when empty).
    title: Any = ""
    data_subjects: DataSubjects = DataSubjects.CUSTOMERS
    source: Any = ""
    automated_decision: Any = ""
    # The export's file name for the rows (tables/<name>.csv), in words, not the table's name.
    export_name: str = ""

    @property
    def person_title(self) -> str:
        """What the person calls these rows: the declared title, else the model's plural name."""
        return str(self.title or self.model._meta.verbose_name_plural)

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
    purpose: Any,
    erase: Action = Action.DELETE_ROW,
    description: str = "",
    export: bool = True,
    tabular: bool = False,
    freeze_subject: bool = False,
    subject_by_key: bool = False,
    closure: Callable[[datetime], dict[str, Any]] | None = None,
    erasure_version: bool = False,
    legal_basis: LegalBasis | None = None,
    retention: Any = "",
    title: Any = "",
    data_subjects: DataSubjects = DataSubjects.CUSTOMERS,
    source: Any = "",
    automated_decision: Any = "",
    export_name: str = "",
) -> Entry:
    """Declare ``model``'s personal data. ``legal_basis`` and ``retention`` apply to every field
    that does not give its own (a kept field usually does); personal_data.E005 fails a field
    left without either."""
    if erase not in (Action.DELETE_ROW, Action.NULL):
        raise ValueError("erase is DELETE_ROW or NULL (anonymise field by field)")
    names = {f.name for f in model._meta.get_fields()}
    unknown = [f.name for f in fields if f.name not in names]
    unknown += [
        column
        for f in fields
        for column in (f.file_name, f.file_sha256, f.file_crc32)
        if column and column not in names
    ]
    if unknown:
        raise ValueError(f"{model._meta.label}: unknown fields {unknown}")
    if export_name and not re.fullmatch(r"[a-z][a-z0-9-]*", export_name):
        raise ValueError(f"{model._meta.label}: export_name {export_name!r} is not a plain lowercase name")
    fields = [replace(f, legal_basis=f.legal_basis or legal_basis, retention=f.retention or retention) for f in fields]
    history = getattr(model, "history", None)
    entry = Entry(
        model=model,
        subject=subject,
        fields=tuple(fields),
        title=title,
        data_subjects=data_subjects,
        source=source,
        automated_decision=automated_decision,
        export_name=export_name,
        erase=erase,
        purpose=purpose,
        description=description,
        export=export,
        tabular=tabular,
        freeze_subject=freeze_subject,
        subject_by_key=subject_by_key or isinstance(subject, str),
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
        # Its foreign keys, and the models its subject path passes through (systems.AccessAnswer
        # reaches the request through an unregistered task): deleting one would cascade into it.
        fields = entry.model._meta.get_fields()
        related = [f.related_model for f in fields if (f.many_to_one or f.one_to_one) and f.concrete]
        model: type[models.Model] | None = entry.model
        for name in entry.subject.split("__") if isinstance(entry.subject, str) and entry.subject else ():
            model = model._meta.get_field(name).related_model if model is not None else None
            related.append(model)
        return {m._meta.label for m in related if m is not None and m._meta.label in pending} - {entry.label}

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


def fields_hidden_from(model: type[models.Model], viewers: Iterable[Viewer]) -> frozenset[str]:
    """The registered personal fields of ``model`` (or of the model a history table tracks)
    that none of ``viewers`` may see.

    The row's link to its subject (``subject="user"``) names the person, so it counts as an
    account field when it is not registered itself."""
    entry = entry_for(getattr(model, "instance_type", None) or model)
    if entry is None:
        return frozenset()
    allowed = set(viewers)
    fields = list(entry.fields)
    if isinstance(entry.subject, str) and entry.subject:
        link = entry.subject.split("__", 1)[0]
        if link not in {f.name for f in fields}:
            fields.append(PersonalField(link, Category.ACCOUNT))
    return frozenset(f.name for f in fields if not f.viewers & allowed)


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


# The registry's other parts, by sub-domain, under the names other apps import from here.
from apps.personal_data.registry.export import EXPORT_NOTES, EXPORT_TABLES, ExportNote, ExportTable  # noqa: E402
from apps.personal_data.registry.holds import (  # noqa: E402
    Hold,
    HoldProvider,
    holds_covering,
    holds_for,
    register_hold_provider,
    unregister_hold_provider,
)
from apps.personal_data.registry.people import (  # noqa: E402
    PeopleLabels,
    controller,
    people_labels,
    register_controller,
    register_people_labels,
)
from apps.personal_data.registry.processing import (  # noqa: E402
    Authority,
    RecipientInfo,
    RetentionInfo,
    authority_for,
    recipients,
    register_authority,
    register_recipients,
    register_retention_rules,
    retention_rules,
)

__all__ = [
    "CATEGORY_VIEWERS",
    "CUSTOMER_SERVICE",
    "EVERY_STAFF_ROLE",
    "EXPORT_NOTES",
    "EXPORT_TABLES",
    "FIDES_CATEGORY",
    "FIDES_WHOLE",
    "OFFICERS_ONLY",
    "Action",
    "Authority",
    "Category",
    "DataSubjects",
    "Entry",
    "Exemption",
    "ExportNote",
    "ExportTable",
    "Hold",
    "HoldProvider",
    "LegalBasis",
    "PeopleLabels",
    "PersonalField",
    "RecipientInfo",
    "RetentionInfo",
    "SubjectFilter",
    "Viewer",
    "authority_for",
    "column",
    "controller",
    "entries",
    "entry_for",
    "exempt",
    "exemptions",
    "fields_hidden_from",
    "holds_covering",
    "holds_for",
    "is_covered",
    "iter_personal_columns",
    "people_labels",
    "recipients",
    "register",
    "register_authority",
    "register_controller",
    "register_hold_provider",
    "register_people_labels",
    "register_recipients",
    "register_retention_rules",
    "retention_rules",
    "unregister_hold_provider",
]
