"""The consent ledger, its derived state, suppression, restrictions and the audience selectors."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.consent.models import ConsentEvent, ConsentState, Purpose, Suppression
from apps.consent.selectors.ledger import may_contact, partner_consent_given, states_for
from apps.consent.selectors.marketing import campaign_audience
from apps.consent.services.ledger import (
    Context,
    consent_record,
    consent_set_choices,
    restriction_lift,
    restriction_place,
)
from apps.personal_data.domain import address_hash, subject_reference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")


def purpose(code: str) -> Purpose:
    return Purpose.objects.get(code=code)


def grant(user, code: str, granted: bool = True, context: Context = PAGE) -> ConsentEvent:
    return consent_record(purpose=purpose(code), granted=granted, context=context, actor=user, subject=user)


def test_a_choice_is_a_ledger_event_with_its_proof_and_updates_the_state(customer):
    event = grant(customer, "marketing-email")
    assert event.subject_reference == subject_reference(customer)
    assert event.text_hash == purpose("marketing-email").text_hash("en")
    assert event.policy_version.version == "1.0"
    assert (event.method, event.language, event.source_page) == ("account_page", "en", "/account/privacy-choices/")
    state = ConsentState.objects.get(subject=customer, purpose__code="marketing-email")
    assert (state.granted, state.last_event) == (True, event)
    grant(customer, "marketing-email", False)
    state.refresh_from_db()
    assert state.granted is False
    assert ConsentEvent.objects.filter(subject=customer).count() == 2


def test_the_ledger_cannot_be_edited_or_deleted(customer):
    event = grant(customer, "newsletter")
    event.granted = False
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        ConsentEvent.objects.filter(pk=event.pk).update(granted=False)
    with pytest.raises(PermissionError):
        ConsentEvent.objects.all().delete()


def test_a_new_purpose_starts_off_for_everyone(customer):
    grant(customer, "marketing-email")
    new = Purpose.objects.create(
        code="sms-offers",
        name_en="Offers by text",
        name_vi="Ưu đãi qua tin nhắn",
        description_en="Texts",
        description_vi="Tin nhắn",
        legal_basis="consent",
        channel="telephone",
        is_marketing=True,
    )
    assert new.pk not in states_for(subject=customer)
    assert not may_contact(customer, channel="telephone", purpose=new)
    assert list(campaign_audience(new)) == []


def test_withdrawing_suppresses_the_address_and_it_outlives_the_state(customer):
    grant(customer, "marketing-email")
    assert may_contact(customer, channel="email", purpose="marketing-email")
    grant(customer, "marketing-email", False)
    assert Suppression.objects.filter(address_hash=address_hash(customer.email), channel="email").exists()
    # Even if an import or officer sets consent again, the suppressed address stays out...
    officer_context = Context(method=ConsentEvent.Method.IMPORT, language="en")
    consent_record(
        purpose=purpose("marketing-email"), granted=True, context=officer_context, actor=None, subject=customer
    )
    assert not may_contact(customer, channel="email", purpose="marketing-email")
    assert customer not in campaign_audience(purpose("marketing-email"))
    # ...until the person opts in again themself.
    grant(customer, "marketing-email")
    assert may_contact(customer, channel="email", purpose="marketing-email")


def test_the_audience_is_one_query_of_consenting_unrestricted_unsuppressed_accounts(customer, other_customer, officer):
    third, closed = UserFactory(), UserFactory(is_active=False)
    for user in (customer, other_customer, third, closed):
        grant(user, "newsletter")
    restriction = restriction_place(subject=other_customer, reason="Accuracy contested", actor=officer)
    Suppression.objects.create(address_hash=address_hash(third.email), channel="email", reason="officer")
    newsletter = purpose("newsletter")
    with CaptureQueriesContext(connection) as queries:
        audience = list(campaign_audience(newsletter))
    assert audience == [customer]
    assert len(queries) == 1
    restriction_lift(restriction=restriction, actor=officer, reason="Corrected")
    assert set(campaign_audience(newsletter)) == {customer, other_customer}
    with pytest.raises(ValidationError):
        restriction_lift(restriction=restriction, actor=officer, reason="again")


def test_a_restriction_of_chosen_purposes_leaves_the_others(customer, officer):
    grant(customer, "newsletter")
    grant(customer, "marketing-email")
    restriction_place(subject=customer, reason="Objection pending", actor=officer, purposes=[purpose("newsletter")])
    assert customer not in campaign_audience(purpose("newsletter"))
    assert customer in campaign_audience(purpose("marketing-email"))
    with pytest.raises(ValidationError):
        restriction_place(subject=customer, reason=" ", actor=officer)


def test_setting_choices_records_only_changes_unless_asked(customer):
    choices = {purpose("newsletter"): True, purpose("marketing-post"): False}
    assert len(consent_set_choices(choices=choices, context=PAGE, actor=customer, subject=customer)) == 1
    assert consent_set_choices(choices=choices, context=PAGE, actor=customer, subject=customer) == []
    signup = Context(method=ConsentEvent.Method.SIGNUP, language="vi")
    events = consent_set_choices(
        choices=choices, context=signup, actor=customer, subject=customer, record_unchanged=True
    )
    assert [(e.purpose.code, e.granted, e.language) for e in events] == [
        ("newsletter", True, "vi"),
        ("marketing-post", False, "vi"),
    ]
    assert events[0].text_hash == purpose("newsletter").text_hash("vi") != purpose("newsletter").text_hash("en")


def test_an_inactive_purpose_cannot_be_chosen(customer):
    Purpose.objects.filter(code="surveys").update(is_active=False)
    with pytest.raises(ValidationError):
        grant(customer, "surveys")
    assert not ConsentEvent.objects.exists()


def test_partner_sharing_needs_the_partners_own_consent(customer, officer):
    from tests.disclosures.factories import RecipientFactory

    partner = RecipientFactory(category="marketing_partner", name="Example Partner Ltd")
    shared = Purpose.objects.create(
        code="partner-example",
        name_en="Offers from Example Partner",
        name_vi="Ưu đãi từ Example Partner",
        description_en="We share your name and email with Example Partner Ltd.",
        description_vi="Chúng tôi chia sẻ tên và email của bạn với Example Partner Ltd.",
        legal_basis="consent",
        is_marketing=True,
        partner=partner,
    )
    assert not partner_consent_given(subject=customer, recipient=partner)
    consent_record(purpose=shared, granted=True, context=PAGE, actor=customer, subject=customer)
    assert partner_consent_given(subject=customer, recipient=partner)
    restriction_place(subject=customer, reason="Restriction requested", actor=officer)
    assert not partner_consent_given(subject=customer, recipient=partner)


def test_erasure_keeps_the_proof_by_reference_and_nothing_that_identifies(customer, officer):
    from apps.consent.models import PolicyAcknowledgement, PolicyVersion, ProcessingRestriction
    from apps.core.actors import SystemActor
    from apps.personal_data.erasure.run import erasure_run, erasure_start

    reference = subject_reference(customer)
    web = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", ip_address="203.0.113.9", user_agent="UA/1")
    consent_record(purpose=purpose("newsletter"), granted=True, context=web, actor=customer, subject=customer)
    grant(customer, "newsletter", False)
    restriction = restriction_place(subject=customer, reason="Accuracy contested by the customer", actor=officer)
    PolicyAcknowledgement.objects.create(subject=customer, policy_version=PolicyVersion.objects.get(version="1.0"))

    run = erasure_start(subject=customer, actor=SystemActor("test"), reason="erasure request")
    erasure_run(erasure_id=run.pk)

    events = list(ConsentEvent.objects.filter(subject_reference=reference))
    assert len(events) == 2
    assert {(e.subject_id, e.ip_address, e.user_agent, e.source_page) for e in events} == {(None, None, "", "")}
    assert not ConsentState.objects.filter(subject_id=customer.pk).exists()
    assert not ProcessingRestriction.objects.filter(pk=restriction.pk).exists()
    assert not ProcessingRestriction.history.filter(id=restriction.pk).exists()
    assert not PolicyAcknowledgement.objects.filter(subject_id=customer.pk).exists()
    # The suppression outlives the account, as a hash only.
    assert Suppression.objects.filter(address_hash=address_hash("customer@example.test")).exists()
