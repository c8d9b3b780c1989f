"""Changelist rows drawn at a cost per page, not per cell.

Django draws each cell of a changelist (``admin_list.items_for_result``) by working out again,
for every row, what its column is (a field, an admin method, a choice), reversing the row's
change URL and then resolving that URL again to add the preserved filters; the row's checkbox is
a form widget rendered through three templates, and a choice's label is found by hashing every
choice of the field, each label a lazy translation. About 1–2 ms a row: on a list whose 1 000-
customer twin is empty (the request queue filtered to what is due), drawing its 50 rows was
most of the page's time at a million customers (issue #15).

``QuickRowsMixin`` (for a ``ModelAdmin``) and the ``{% quick_result_list cl %}`` tag
(templatetags/quick_rows.py) draw the same HTML, cell for cell, with that work done once per
page: each column is resolved once, the row URL is reversed and given its filters once with a
placeholder for the id, the checkbox is one ``format_html``, and choice labels come from a
per-language table (``apps.core.models.choice_label``). tests/core/test_rows_admin.py holds the rows to Django's
own, byte for byte. Lists Django draws differently (editable, pop-up, ``to_field``) and columns
that are neither a field nor an admin method are left to Django.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

# Django's private helpers too, so that a column resolves here as it does there (the tests compare).
from django.contrib.admin.templatetags.admin_list import (  # type: ignore[attr-defined]
    ResultList,
    _coerce_field_name,
    result_headers,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (  # type: ignore[attr-defined]
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.core.models import choice_labels

Cell = Callable[[models.Model], SafeString]
Link = Callable[[models.Model, str], str]

# Stands for the row's id in the change URL reversed once per page; the admin's quote() leaves
# it as it is, and no admin path holds it.
ROW_ID = "quick-row-id"


class QuickRowsChangeList(ChangeList):
    def get_results(self, request):
        fields = getattr(self.model_admin, "list_only", ())
        if not fields:
            return super().get_results(request)
        # The page's rows only (a paginator may hand them over as a list): the date drill-down
        # reads the whole queryset afterwards, and an action gets a queryset of its own.
        whole = self.queryset
        self.queryset = whole.only(*fields)
        try:
            return super().get_results(request)
        finally:
            self.queryset = whole


class QuickRowsMixin:
    """For a ``ModelAdmin`` whose changelist template draws its rows with ``quick_result_list``.

    ``list_only``: the fields the columns read (``QuerySet.only``), when loading whole rows and
    their related rows costs more than drawing them; a column that reads another one then makes
    a query per row, so pin the list's query count where this is set.
    """

    list_only: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return QuickRowsChangeList

    def action_checkbox(self, obj):
        # The widget Django renders through the form templates, as one string: same markup.
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


def _tag(name: str, classes: list[str]) -> str:
    return f'<{name} class="{" ".join(classes)}">'


def _method_cell(attr, classes: list[str], plain: list[str], tag: str, empty: str, link: Link | None) -> Cell:
    """A column drawn by an admin method (or a callable): its value shown as Django shows it.
    ``plain``: the classes of a cell whose row has no such object (ObjectDoesNotExist)."""
    shown_empty = getattr(attr, "empty_value_display", empty)
    boolean = getattr(attr, "boolean", False)
    opening, opening_nowrap, opening_missing = _tag(tag, classes), _tag(tag, [*classes, "nowrap"]), _tag(tag, plain)
    close = f"</{tag}>"

    def cell(obj):
        try:
            value = attr(obj)
        except ObjectDoesNotExist:
            shown, start = empty, opening_missing
        else:
            if isinstance(value, str) and not value.strip():
                value = ""
            if isinstance(value, str) and not boolean:
                shown = value or shown_empty
            else:
                shown = display_for_value(value, shown_empty, boolean)
            start = opening_nowrap if isinstance(value, datetime.date | datetime.time) else opening
        text = conditional_escape(shown)
        # Escaped above; the tags and classes are the admin's own (format_html per cell costs more).
        return mark_safe(f"{start}{link(obj, text) if link else text}{close}")  # noqa: S308

    return cell


def _field_cell(field, classes: list[str], tag: str, empty: str, linked: bool, link: Link | None) -> Cell | None:
    """A column of a model field; None when Django would draw it otherwise (a many-to-many…)."""
    if field.auto_created or field.many_to_many:
        return None
    missing, close = _tag(tag, classes), f"</{tag}>"
    if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
        classes = [*classes, "nowrap"]
    opening = _tag(tag, classes)
    empty_text = conditional_escape(empty)
    text: Callable[[models.Model], str]
    if isinstance(field.remote_field, models.ManyToOneRel):  # the related object's str()

        def text(obj):
            related = getattr(obj, field.name)
            return empty_text if related is None else conditional_escape(related)

    elif getattr(field, "flatchoices", None):
        try:
            labels = {value: escape(label) for value, label in choice_labels(field, get_language()).items()}
        except TypeError:  # choices Django would make hashable first: its own way
            return None

        def text(obj):
            return labels.get(getattr(obj, field.attname), empty_text)

    else:

        def text(obj):
            value = getattr(obj, field.attname)
            return conditional_escape(display_for_field(value, field, empty, avoid_link=linked))

    def cell(obj):
        try:
            shown, start = text(obj), opening
        except ObjectDoesNotExist:
            shown, start = empty_text, missing
        # ``text`` escapes; the tags and classes are the admin's own.
        return mark_safe(f"{start}{link(obj, shown) if link else shown}{close}")  # noqa: S308

    return cell


def _link(cl) -> Link | None:
    """The row's link to its page with the list's filters kept, made once; None: no such page."""
    try:
        url = cl.url_for_result(_Placeholder(cl))
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
    head, _found, tail = str(conditional_escape(url)).partition(ROW_ID)
    attname = cl.pk_attname

    def link(obj, text: str) -> str:
        return f'<a href="{head}{getattr(obj, attname)}{tail}">{text}</a>'

    return link


class _Placeholder:
    """What ``ChangeList.url_for_result`` reads of a row: its primary key."""

    def __init__(self, cl):
        setattr(self, cl.pk_attname, ROW_ID)


def _cells(cl) -> list[Cell] | None:
    """One function per column, or None when Django must draw the rows."""
    # Integer and UUID ids go into a URL as they are; others Django quotes its own way.
    plain_ids = isinstance(cl.lookup_opts.pk, models.AutoField | models.BigAutoField | models.UUIDField)
    if cl.formset or cl.is_popup or cl.to_field or not plain_ids:
        return None
    admin = cl.model_admin
    empty = admin.get_empty_value_display()
    links = cl.list_display_links
    cells: list[Cell] = []
    row_link = _link(cl)
    first = True
    for index, name in enumerate(cl.list_display):
        linked = links is not None and ((first and not links) or name in links)
        tag = "th" if linked and first else "td"
        first = first and not linked
        link = row_link if linked else None
        classes = [f"field-{_coerce_field_name(name, index)}"]
        try:
            field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
        cell: Cell | None
        if field is not None:
            cell = _field_cell(field, classes, tag, empty, linked, link)
        elif callable(name):
            cell = _method_cell(name, classes, classes, tag, empty, link)
        elif isinstance(name, str) and name != "__str__" and hasattr(admin, name):
            drawn = ["action-checkbox"] if name == "action_checkbox" else classes
            cell = _method_cell(getattr(admin, name), drawn, classes, tag, empty, link)
        else:
            cell = None  # a model attribute or a related lookup: Django's way
        if cell is None:
            return None
        cells.append(cell)
    return cells


def quick_result_list(cl) -> dict:
    """The context of Django's ``result_list`` tag, its rows drawn by ``_cells``."""
    cells = _cells(cl)
    if cells is None:
        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": [ResultList(None, [cell(obj) for cell in cells]) for obj in cl.result_list],
    }
