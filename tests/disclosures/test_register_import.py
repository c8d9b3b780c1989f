"""Importing a register kept elsewhere: checked whole, written in order, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from apps.disclosures.models import Disclosure
from apps.disclosures.selectors.register import verify_chain
from apps.personal_data.domain import subject_reference
from tests.disclosures.factories import RecipientFactory, record

pytestmark = pytest.mark.django_db

HEADER = (
    "disclosed_at,recipient,subjects,data_categories,description,reason,legal_basis,"
    "external_reference,withheld_reason\n"
)


def run(tmp_path, text: str, actor: str = "officer@example.test", encoding: str = "utf-8") -> str:
    path = tmp_path / "register.csv"
    path.write_bytes(text.encode(encoding))
    call_command("import_disclosures", str(path), actor=actor)
    return str(path)


def test_it_appends_a_register_in_file_order_after_existing_entries(
    tmp_path, officer, customer, other_customer, capsys
):
    print_house = RecipientFactory(name="Print House Ltd")
    court = RecipientFactory(name="Example Crown Court", category="court")
    record(actor=officer, subjects=[customer])
    run(
        tmp_path,
        HEADER + "2026-03-01,print house ltd,customer@example.test;OTHER@example.test,contact,Postal addresses,"
        "Catalogue mailing,Contract,,\n"
        + f'2026-04-02T10:30:00,{court.reference},customer@example.test,"contact;usage",Login times,'
        '"Order, fraud case",court_order,CO-17,The order forbids telling the subject\n',
    )
    assert "Imported 2 entries as #2 to #3." in capsys.readouterr().out
    mailing, order = Disclosure.objects.order_by("sequence")[1:]
    assert (mailing.recipient, mailing.legal_basis, mailing.disclosed_at.day) == (print_house, "contract", 1)
    assert sorted(mailing.subjects.values_list("subject_reference", flat=True)) == sorted(
        [subject_reference(customer), subject_reference(other_customer)]
    )
    assert (order.reason, order.external_reference, order.visibility) == ("Order, fraud case", "CO-17", "withheld")
    assert order.data_categories == ["contact", "usage"]
    assert order.history.get().history_user == officer
    assert verify_chain() == (3, None)


def test_it_reports_every_bad_entry_and_imports_nothing(tmp_path, officer, customer):
    RecipientFactory(name="Print House Ltd")
    text = (
        HEADER
        + "2026-03-01,Print House Ltd,customer@example.test,contact,Addresses,Mailing,contract,,\n"
        + "yesterday,Nobody Ltd,ghost@example.test,contact,Addresses,Mailing,gossip,,\n"
        + "2026-03-01,Print House Ltd,customer@example.test,contact,,Mailing,contract,,\n"
        + "2999-01-01,Print House Ltd,customer@example.test,contact,Addresses,Mailing,contract,,\n"
    )
    with pytest.raises(CommandError) as error:
        run(tmp_path, text)
    message = str(error.value)
    assert "Nothing was imported" in message
    assert "Entry 2: the date 'yesterday' is not a date" in message
    assert "no active recipient is called 'Nobody Ltd'" in message
    assert "no account has the address 'ghost@example.test'" in message
    assert "'gossip' is not a legal basis" in message
    assert "Entry 3: the description is empty" in message
    assert "Entry 4: the date is in the future" in message
    assert "Entry 1" not in message
    assert not Disclosure.objects.exists()


def test_service_checks_apply_to_imported_entries(tmp_path, officer, customer):
    RecipientFactory(name="Print House Ltd")
    with pytest.raises(CommandError, match="Entry 1: Choose the categories of data disclosed"):
        run(tmp_path, HEADER + "2026-03-01,Print House Ltd,customer@example.test,bank details,A,B,contract,,\n")
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("date,who\n2026-01-01,x\n", "utf-8", "lacks the columns: disclosed_at, recipient"),
        (HEADER, "utf-8", "has no entries"),
        (HEADER + "2026-03-01,Caf\u00e9,a@example.test,contact,A,B,contract,,\n", "utf-16", "not UTF-8"),
        ("\u00e9t\u00e9\n", "latin-1", "not UTF-8"),
        (HEADER + '2026-03-01,"unclosed\n', "utf-8", "no active recipient"),
    ],
)
def test_it_rejects_files_it_cannot_read(tmp_path, officer, text, encoding, expected):
    with pytest.raises(CommandError, match=expected):
        run(tmp_path, text, encoding=encoding)


def test_only_an_officer_may_import(tmp_path, customer, support_agent):
    for actor in ("customer@example.test", "support@example.test", "nobody@example.test"):
        with pytest.raises(CommandError, match="not an active staff account allowed to record disclosures"):
            run(tmp_path, HEADER, actor=actor)


def test_a_missing_file_is_a_clear_error(tmp_path, officer):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_disclosures", str(tmp_path / "absent.csv"), actor="officer@example.test")
