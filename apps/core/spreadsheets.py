"""The one CSV writer of the portal: every CSV file it writes goes through here.

Officers, auditors and customers open these files in a spreadsheet, and a spreadsheet
runs a text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula: a visitor's ``User-Agent: =HYPERLINK(...)`` stored on a
consent record or a login event would run on the officer's machine. Text cells starting
with one of those characters are written with a leading single quote (OWASP's "CSV
injection" advice), which a spreadsheet shows as plain text.

Numbers (int, float, Decimal) are written as they are, a negative one included: they come
from our own numeric columns, not from what a person typed, a spreadsheet reads ``-5`` as
the number it is (so sums still work), and digits with a sign cannot form a formula. A
*string* ``"-5"`` is text, and is quoted like any other text: the writer does not guess
what a person meant by what they typed.

A test (tests/core/test_spreadsheets.py) fails when a module outside this one uses the
standard library's CSV writers directly.
"""

import csv
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any, Protocol

# A spreadsheet starts a formula on these (OWASP); tab and CR can hide one behind them.
FORMULA_PREFIXES = frozenset({"=", "+", "-", "@", "\t", "\r"})


class _Sink(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will show, never run: formula-like text gets a leading quote."""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if text[:1] in FORMULA_PREFIXES:
        return "'" + text
    return text


class SpreadsheetWriter:
    """``csv.writer`` whose every cell goes through :func:`neutralise_cell`."""

    def __init__(self, sink: _Sink | IO[str], **options: Any) -> None:
        self._writer = csv.writer(sink, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    def write_columns(self, columns: Sequence[Sequence[Any]]) -> None:
        """Rows given as columns of equal length (a large export's batch): a column of text
        none of whose cells can start a formula is written as it is, after one test over the
        whole column; the others cell by cell, as :meth:`writerow` does."""
        checked = [column if _plain_text(column) else [neutralise_cell(v) for v in column] for column in columns]
        self._writer.writerows(zip(*checked, strict=True))


_NUMBERS = frozenset({bool, int, float, Decimal})


def _plain_text(column: Sequence[Any]) -> bool:
    """Numbers only, or text none of whose cells starts with a formula prefix: one pass over the
    cells' types, one join, a substring test a prefix (a cell with a line break before one is
    sent cell by cell, which is only slower)."""
    types = set(map(type, column))
    if types <= _NUMBERS:
        return True
    if types != {str}:
        return False
    joined = "\n" + "\n".join(column)
    return not any("\n" + prefix in joined for prefix in FORMULA_PREFIXES)


class SpreadsheetDictWriter:
    """``csv.DictWriter`` whose every cell goes through :func:`neutralise_cell`."""

    def __init__(self, sink: _Sink | IO[str], fieldnames: Sequence[str], **options: Any) -> None:
        self.fieldnames = list(fieldnames)
        self._writer = SpreadsheetWriter(sink, **options)

    def writeheader(self) -> Any:
        return self._writer.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow([row.get(name, "") for name in self.fieldnames])

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)
