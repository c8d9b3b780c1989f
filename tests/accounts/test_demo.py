import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from apps.accounts.demo import CUSTOMER_EMAILS, OFFICER_EMAIL
from apps.accounts.models import LoginEvent, PublicProfile, User


@pytest.mark.django_db
def test_it_seeds_demo_data_idempotently(capsys):
    call_command("seed_demo", "--customers", "30")
    first = capsys.readouterr().out
    counts = (User.objects.count(), LoginEvent.objects.count(), PublicProfile.objects.count())
    call_command("seed_demo", "--customers", "30")
    second = capsys.readouterr().out

    assert (User.objects.count(), LoginEvent.objects.count(), PublicProfile.objects.count()) == counts
    assert "30 new generated customers" in first
    assert "0 new generated customers" in second
    # The printed logins include the officer's authenticator secret, the same both times.
    assert OFFICER_EMAIL in second
    assert CUSTOMER_EMAILS[0] in second
    secret_line = next(line for line in first.splitlines() if "TOTP" in line)
    assert secret_line in second


@pytest.mark.django_db
def test_it_gives_demo_people_what_they_need_to_sign_in():
    call_command("seed_demo", "--customers", "5", "--quiet-logins")
    officer = User.objects.get(email=OFFICER_EMAIL)
    assert officer.is_staff
    assert officer.groups.filter(name="Privacy officer").exists()
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count()
    generated = User.objects.filter(email__startswith="customer")
    assert generated.count() == 5
    assert LoginEvent.objects.filter(user__in=generated).exists()
    assert User.history.filter(email__startswith="customer").count() == 5


@pytest.mark.django_db
def test_it_seeds_a_demo_register_once_with_an_intact_chain():
    from apps.disclosures.models import Disclosure
    from apps.disclosures.selectors.register import verify_chain

    call_command("seed_demo", "--customers", "0", "--quiet-logins")
    call_command("seed_demo", "--customers", "0", "--quiet-logins")
    assert Disclosure.objects.count() == 3
    assert Disclosure.objects.filter(visibility="withheld").count() == 1
    assert verify_chain() == (3, None)


@pytest.mark.django_db
def test_it_rejects_a_negative_customer_count():
    with pytest.raises(CommandError, match="between 0 and"):
        call_command("seed_demo", "--customers", "-1")


def test_the_demo_has_consent_evidence_a_partner_and_a_draft_campaign(db):
    from apps.consent.models import ConsentState, Mailing
    from apps.consent.selectors.ledger import partner_consent_given
    from apps.disclosures.models import Recipient

    call_command("seed_demo", "--customers", "2", "--quiet-logins")
    call_command("seed_demo", "--customers", "2", "--quiet-logins")
    alice = User.objects.get(email="alice@demo.example")
    on = set(ConsentState.objects.filter(subject=alice, granted=True).values_list("purpose__code", flat=True))
    assert on == {"newsletter", "marketing-email", "partner-example-travel"}
    assert partner_consent_given(subject=alice, recipient=Recipient.objects.get(name="Example Travel Partners Ltd"))
    assert Mailing.objects.filter(kind="marketing", status="draft").count() == 1
