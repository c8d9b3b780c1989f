"""The disclosure register: append-only, hash-chained, verifiable, and it outlives erasure."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from apps.core.actors import SystemActor
from apps.disclosures.domain import GENESIS
from apps.disclosures.models import Disclosure, DisclosureSubject
from apps.disclosures.selectors.register import verify_chain
from apps.disclosures.services.register import disclosure_amend, disclosure_anchor_head, disclosure_set_visibility
from apps.personal_data.domain import subject_reference
from apps.personal_data.erasure.run import erasure_run, erasure_start
from tests.disclosures.factories import RecipientFactory, record

pytestmark = pytest.mark.django_db


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_exit(capsys) -> tuple[int, str]:
    try:
        call_command("verify_disclosure_log")
    except SystemExit as exit_:
        return exit_.code, capsys.readouterr().err
    return 0, capsys.readouterr().out


def test_it_chains_each_entry_to_the_one_before(officer, customer, other_customer):
    first = record(actor=officer, subjects=[customer])
    second = record(actor=officer, subjects=[customer, other_customer])
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.entry_hash
    assert sorted(second.subjects.values_list("subject_reference", flat=True)) == sorted(
        [subject_reference(customer), subject_reference(other_customer)]
    )
    assert verify_chain() == (2, None)


def test_it_records_who_recorded_each_entry_in_history(officer, customer):
    entry = record(actor=officer, subjects=[customer])
    version = entry.history.get()
    assert version.history_user == officer
    assert version.recipient_id == entry.recipient_id
    assert version.reason == entry.reason


def test_it_refuses_to_edit_or_delete_an_entry_through_the_orm(officer, customer):
    entry = record(actor=officer, subjects=[customer])
    entry.description = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        Disclosure.objects.all().delete()
    with pytest.raises(PermissionError):
        Disclosure.objects.update(description="rewritten")


def test_it_rejects_a_disclosure_without_subjects_or_categories(officer):
    with pytest.raises(ValidationError) as error:
        record(actor=officer, subjects=[], data_categories=["not-a-category"])
    assert set(error.value.message_dict) == {"subjects", "data_categories"}
    assert not Disclosure.objects.exists()


def test_it_corrects_by_appending_an_amendment(officer, customer):
    original = record(actor=officer, subjects=[customer])
    amendment = disclosure_amend(original=original, actor=officer, correction="Wrong month", description="For April")
    original.refresh_from_db()
    assert original.description == "Email address and login times for March"
    assert amendment.amends == original
    assert amendment.sequence == 2
    assert "Amends #1: Wrong month" in amendment.reason
    assert verify_chain() == (2, None)


def test_it_may_withhold_an_entry_without_breaking_the_chain(officer, customer):
    entry = record(actor=officer, subjects=[customer])
    disclosure_set_visibility(
        disclosure=entry,
        actor=officer,
        visibility="withheld",
        withheld_reason="Court order forbids telling the subject",
    )
    assert verify_chain() == (1, None)
    assert entry.history.first().history_change_reason == "visibility set to withheld"
    with pytest.raises(ValidationError):
        disclosure_set_visibility(disclosure=entry, actor=officer, visibility="withheld", withheld_reason=" ")


def test_it_names_an_entry_edited_in_the_database(officer, customer, capsys):
    for _ in range(3):
        record(actor=officer, subjects=[customer])
    assert verify_exit(capsys)[0] == 0
    raw(f"UPDATE {Disclosure._meta.db_table} SET description = %s WHERE sequence = 2", ["tampered"])
    code, message = verify_exit(capsys)
    assert code == 1
    assert "position 2" in message
    assert "changed after it was recorded" in message


def test_it_names_an_entry_deleted_in_the_database(officer, customer, capsys):
    entries = [record(actor=officer, subjects=[customer]) for _ in range(3)]
    raw(f"DELETE FROM {DisclosureSubject._meta.db_table} WHERE disclosure_id = %s", [entries[1].pk])
    raw(f"DELETE FROM {Disclosure._meta.db_table} WHERE id = %s", [entries[1].pk])
    code, message = verify_exit(capsys)
    assert code == 1
    assert "entry #2 is missing" in message


def test_it_names_entries_reordered_in_the_database(officer, customer, capsys):
    entries = [record(actor=officer, subjects=[customer]) for _ in range(3)]
    table = Disclosure._meta.db_table
    raw(f"UPDATE {table} SET sequence = 99 WHERE id = %s", [entries[1].pk])
    raw(f"UPDATE {table} SET sequence = 2 WHERE id = %s", [entries[2].pk])
    raw(f"UPDATE {table} SET sequence = 3 WHERE id = %s", [entries[1].pk])
    code, message = verify_exit(capsys)
    assert code == 1
    assert "position 2" in message


def test_it_notices_a_truncated_tail_through_the_daily_anchor(officer, customer, capsys):
    entries = [record(actor=officer, subjects=[customer]) for _ in range(3)]
    disclosure_anchor_head()
    raw(f"DELETE FROM {DisclosureSubject._meta.db_table} WHERE disclosure_id = %s", [entries[2].pk])
    raw(f"DELETE FROM {Disclosure._meta.db_table} WHERE id = %s", [entries[2].pk])
    code, message = verify_exit(capsys)
    assert code == 1
    assert "truncated" in message


def test_it_keeps_the_record_but_not_the_identity_when_the_subject_is_erased(officer, customer):
    entry = record(actor=officer, subjects=[customer])
    reference = subject_reference(customer)
    run = erasure_start(subject=customer, actor=SystemActor("test"), reason="erasure request")
    erasure_run(erasure_id=run.pk)

    link = DisclosureSubject.objects.get(disclosure=entry)
    assert link.subject is None
    assert link.subject_reference == reference
    assert verify_chain() == (1, None)
    table = next(
        t for t in erasure_run(erasure_id=run.pk).certificate["tables"] if t["model"] == "disclosures.DisclosureSubject"
    )
    assert table["kept"][0]["field"] == "subject_reference"


def test_it_refuses_consent_based_sharing_with_a_partner_the_subject_did_not_consent_to(officer, customer):
    # PARTNER_CONSENT_CHECKS is a read hook: it lives with the recipients' selectors.
    from apps.disclosures.selectors import recipients as services

    partner = RecipientFactory(category="marketing_partner")
    with pytest.raises(ValidationError) as error:
        record(actor=officer, subjects=[customer], recipient=partner, legal_basis="consent")
    assert "have not consented" in error.value.message_dict["legal_basis"][0]
    assert not Disclosure.objects.exists()

    # The consent app answers through PARTNER_CONSENT_CHECKS: the customer's consent for this partner.
    from apps.consent.models import ConsentEvent, Purpose
    from apps.consent.services.ledger import Context, consent_record

    assert services.PARTNER_CONSENT_CHECKS
    shared = Purpose.objects.create(
        code="partner-test",
        name_en="Offers from a partner",
        name_vi="Ưu đãi từ đối tác",
        description_en="Shared with the partner",
        description_vi="Chia sẻ với đối tác",
        legal_basis="consent",
        is_marketing=True,
        partner=partner,
    )
    page = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en")
    consent_record(purpose=shared, granted=True, context=page, actor=customer, subject=customer)
    assert record(actor=officer, subjects=[customer], recipient=partner, legal_basis="consent").sequence == 1


def test_it_keeps_erased_subjects_by_reference_when_an_entry_is_amended(officer, customer, other_customer):
    entry = record(actor=officer, subjects=[customer, other_customer])
    erased_reference = subject_reference(customer)
    run = erasure_start(subject=customer, actor=SystemActor("test"), reason="erasure request")
    erasure_run(erasure_id=run.pk)

    amendment = disclosure_amend(original=entry, actor=officer, correction="Wrong month", description="For April")

    links = {link.subject_reference: link.subject for link in amendment.subjects.all()}
    assert links == {erased_reference: None, subject_reference(other_customer): other_customer}
    assert verify_chain() == (2, None)


def test_verification_notices_a_deleted_tail_before_any_anchor(officer, customer):
    entries = [record(actor=officer, subjects=[customer]) for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DisclosureSubject._meta.db_table} WHERE disclosure_id = %s", [entries[2].pk])
        cursor.execute(f"DELETE FROM {Disclosure._meta.db_table} WHERE id = %s", [entries[2].pk])
    checked, broken = verify_chain()
    assert checked == 2
    assert broken is not None
    assert "truncated" in broken.problem
