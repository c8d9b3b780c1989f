"""Appending under load: batches, concurrent writers, and ids that do not follow positions."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from apps.disclosures.models import ChainHead, Disclosure, DisclosureSubject
from apps.disclosures.selectors.register import verify_chain
from apps.disclosures.services.register import _prepare, _seal, disclosure_record_many
from apps.personal_data.domain import subject_reference
from tests.disclosures.factories import RecipientFactory, record


def entry(recipient, subject, n: int, **overrides) -> dict:
    return {
        "recipient": recipient,
        "subjects": [subject],
        "data_categories": ["contact"],
        "description": f"Address list, part {n}",
        "disclosed_at": timezone.now(),
        "reason": "Monthly mailing by our print house",
        "legal_basis": "contract",
        **overrides,
    }


@pytest.mark.django_db
def test_a_batch_is_chained_in_order_with_its_history(officer, customer, other_customer):
    recipient = RecipientFactory()
    first = record(actor=officer, subjects=[customer])
    batch = disclosure_record_many(
        [entry(recipient, customer if n % 2 else other_customer, n) for n in range(450)], actor=officer
    )
    assert [e.sequence for e in batch] == list(range(2, 452))
    assert batch[0].previous_hash == first.entry_hash
    assert batch[-1].entry_hash == ChainHead.objects.get().entry_hash
    stored = Disclosure.objects.get(pk=batch[300].pk)
    assert (stored.sequence, stored.entry_hash) == (batch[300].sequence, batch[300].entry_hash)
    creation = stored.history.get()
    assert (creation.sequence, creation.entry_hash, creation.history_user) == (302, stored.entry_hash, officer)
    assert DisclosureSubject.objects.get(disclosure=stored).subject_reference == subject_reference(other_customer)
    assert verify_chain(batch_size=7) == (451, None)


@pytest.mark.django_db
def test_a_batch_with_a_bad_entry_writes_nothing_and_names_it(officer, customer):
    recipient = RecipientFactory()
    entries = [entry(recipient, customer, n) for n in range(5)]
    entries[3]["data_categories"] = ["not-a-category"]
    with pytest.raises(ValidationError) as error:
        disclosure_record_many(entries, actor=officer)
    assert error.value.messages == ["Entry 4: Choose the categories of data disclosed."]
    assert not Disclosure.objects.exists()
    assert not Disclosure.history.exists()


@pytest.mark.django_db
def test_verification_holds_when_ids_do_not_follow_positions(officer, customer):
    """Concurrent writers insert in one order and seal in another; verify reads by position."""
    recipient = RecipientFactory()
    prepared = [_prepare(actor=officer, **entry(recipient, customer, n)) for n in range(6)]
    with transaction.atomic():
        Disclosure.objects.bulk_create([disclosure for disclosure, _ in prepared])
        for disclosure, links in prepared:
            for link in links:
                link.disclosure = disclosure
            DisclosureSubject.objects.bulk_create(links)
        # Sealed last-inserted first: the highest id gets position 1.
        _seal([(d, [link.subject_reference for link in links]) for d, links in reversed(prepared)])
    by_position = list(Disclosure.objects.order_by("sequence").values_list("pk", flat=True))
    assert by_position == sorted(by_position, reverse=True)
    assert verify_chain(batch_size=2) == (6, None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(officer, customer, other_customer):
    recipient = RecipientFactory()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                if i % 2:
                    record(actor=officer, subjects=[customer], recipient=recipient)
                else:
                    disclosure_record_many(
                        [entry(recipient, other_customer, n * 100 + i * 10 + k) for k in range(4)], actor=officer
                    )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # 4 writers x (3 batches of 4 + 2 single entries)
    assert verify_chain(batch_size=5) == (56, None)
    assert ChainHead.objects.get().sequence == 56
