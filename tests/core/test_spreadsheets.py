"""The portal's one CSV writer: formula-like text is neutralised, numbers stay numbers, and
no module writes CSV around it."""

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from apps.core.spreadsheets import SpreadsheetDictWriter, SpreadsheetWriter, neutralise_cell

APPS = Path(__file__).resolve().parents[2] / "apps"
HYPERLINK = '=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        # A string that looks like a negative number is still text a person may have typed.
        ("-5", "'-5"),
        ("Mozilla/5.0 (=1)", "Mozilla/5.0 (=1)"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_neutralises_text_that_a_spreadsheet_would_run(cell, written):
    assert neutralise_cell(cell) == written


@pytest.mark.parametrize("number", [-5, -0.5, Decimal("-12.50"), 0, 7, True])
def test_it_keeps_numbers_as_numbers_negative_ones_included(number):
    sink = io.StringIO()
    SpreadsheetWriter(sink).writerow([number])
    assert sink.getvalue() == f"{number}\r\n"


def test_columns_are_written_as_rows_with_every_formula_like_cell_neutralised():
    # A column is checked as a whole: a formula at its first cell, at its last, after a cell
    # with a line break, among numbers or None; clean columns are written as they are.
    columns = [
        [HYPERLINK, "Chrome", "Firefox"],
        ["a", "line\nbreak", "-2+3"],
        ["plain", "text", "only"],
        [-3, 1.5, True],
        [None, "@SUM(A1)", 4],
        ["\t=1+1", "ok", "\r=2"],
    ]
    sink = io.StringIO()
    SpreadsheetWriter(sink).write_columns(columns)
    assert list(csv.reader(io.StringIO(sink.getvalue()))) == [
        ["'" + HYPERLINK, "a", "plain", "-3", "", "'\t=1+1"],
        ["Chrome", "line\nbreak", "text", "1.5", "'@SUM(A1)", "ok"],
        ["Firefox", "'-2+3", "only", "True", "4", "'\r=2"],
    ]
    rows = [[neutralise_cell(cell) for cell in row] for row in zip(*columns, strict=True)]
    expected = io.StringIO()
    SpreadsheetWriter(expected).writerows(rows)
    assert sink.getvalue() == expected.getvalue()


def test_it_writes_rows_and_dict_rows_that_read_back_as_written():
    sink = io.StringIO()
    writer = SpreadsheetWriter(sink)
    writer.writerow(["agent", "count"])
    writer.writerows([[HYPERLINK, -3], ['plain, with "quotes"', 4]])
    assert list(csv.reader(io.StringIO(sink.getvalue()))) == [
        ["agent", "count"],
        ["'" + HYPERLINK, "-3"],
        ['plain, with "quotes"', "4"],
    ]
    sink = io.StringIO()
    dict_writer = SpreadsheetDictWriter(sink, fieldnames=["model", "field"], lineterminator="\n")
    dict_writer.writeheader()
    dict_writer.writerows([{"model": "@model", "field": "email"}])
    assert sink.getvalue() == "model,field\n'@model,email\n"


def _direct_csv_writers(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"writer", "DictWriter"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.append(f"{path.relative_to(APPS.parent)}:{node.lineno} csv.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            for alias in node.names:
                if alias.name in {"writer", "DictWriter"}:
                    found.append(f"{path.relative_to(APPS.parent)}:{node.lineno} from csv import {alias.name}")
    return found


def test_no_module_but_the_spreadsheet_writer_writes_csv_directly():
    writer_module = APPS / "core" / "spreadsheets.py"
    offenders = [
        hit for path in sorted(APPS.rglob("*.py")) if path != writer_module for hit in _direct_csv_writers(path)
    ]
    assert offenders == [], "write CSV with apps.core.spreadsheets, which neutralises formulas: " + ", ".join(offenders)
