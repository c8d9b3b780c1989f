"""breach_open, breach_affected and breach_notify from the command line, with clear errors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.breaches.models import AffectedSet, Breach
from tests.factories import UserFactory
from tests.service_data.factories import CallRecordFactory

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def _open(officer) -> dict:
    aware = (timezone.now() - timedelta(hours=2)).isoformat()
    return run(
        "breach_open", "--title", "Call logs exposed", "--description", "A report was shared by link.",
        "--officer", officer.email, "--contact", "dpo@example.test", "--aware", aware, "--jurisdiction", "uk",
    )  # fmt: skip


def test_breach_open_prints_the_breach_and_its_clock(officer):
    opened = _open(officer)
    assert opened["number"].startswith("BR-")
    assert opened["clocks"][0]["hours_left"] == 69


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--officer", "nobody@example.test"], "No staff account"),
        (["--aware", "yesterday"], "not an ISO 8601"),
        (["--aware", "2026-01-01T10:00"], "needs an offset"),
        (["--category", "secrets"], "Unknown data categories"),
    ],
)
def test_breach_open_says_what_is_wrong(officer, args, message):
    base = {"--title": "t", "--description": "d", "--officer": officer.email, "--contact": "c"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    with pytest.raises(CommandError, match=message):
        call_command("breach_open", *[part for pair in base.items() for part in pair])
    assert not Breach.objects.exists()


def test_breach_affected_counts_with_dry_run_then_freezes(officer, tmp_path):
    vietnamese = UserFactory(country="VN", preferred_language="vi")
    CallRecordFactory(owner=UserFactory(country="GB"))
    CallRecordFactory(owner=vietnamese)
    number = _open(officer)["number"]
    counted = run("breach_affected", number, "--model", "service_data.CallRecord", "--dry-run")
    assert counted["total"] == 2
    assert counted["by_jurisdiction"] == {"uk": 1, "vn": 1}
    assert counted["by_language"] == {"en": 1, "vi": 1}
    assert not AffectedSet.objects.exists()
    listed = tmp_path / "accounts.csv"
    listed.write_text(f"email\n{vietnamese.email}\n")
    frozen = run("breach_affected", number, "--accounts", str(listed))
    assert frozen["frozen"] is True
    assert frozen["total"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["BR-1999-0001", "--category", "contact"], "No breach is numbered"),
        (["{number}"], "Choose data categories"),
        (["{number}", "--model", "nowhere.Thing"], "Not in the personal-data registry"),
        (["{number}", "--accounts", "/nonexistent.csv"], "No file at"),
    ],
)
def test_breach_affected_says_what_is_wrong(officer, args, message):
    number = _open(officer)["number"]
    with pytest.raises(CommandError, match=message):
        call_command("breach_affected", *[a.format(number=number) for a in args])


def test_breach_notify_sends_and_waits(officer, mailoutbox):
    CallRecordFactory(owner=UserFactory(email="caller@example.test"))
    number = _open(officer)["number"]
    with pytest.raises(CommandError, match="--people"):
        call_command("breach_notify", number)
    with pytest.raises(CommandError, match="Find the people affected first"):
        call_command("breach_notify", number, "--people")
    run("breach_affected", number, "--model", "service_data.CallRecord")
    breach = Breach.objects.get(number=number)
    breach.notice_summary_en, breach.notice_advice_en = "Your call log was shared.", "Nothing to do."
    breach.save()
    result = run("breach_notify", number, "--people", "--wait")
    assert result["status"] == "sent"
    assert result["sent"] == result["audience"] == 1
    assert [m.to for m in mailoutbox] == [["caller@example.test"]]
