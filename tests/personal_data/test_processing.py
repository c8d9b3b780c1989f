"""The registry as the record of processing reads it: every field has a legal basis, a
retention and a fideslang leaf that fideslang itself knows."""

import pytest
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from apps.accounts.models import LoginEvent, User
from apps.personal_data import registry
from apps.personal_data.checks import check_legal_basis, legal_basis_errors
from apps.personal_data.registry import FIDES_WHOLE, Category, LegalBasis, PersonalField, entries, register

TAXONOMY = {category.fides_key for category in DEFAULT_TAXONOMY.data_category}
PARENTS = {category.parent_key for category in DEFAULT_TAXONOMY.data_category if category.parent_key}


def _field(entry_model, name: str) -> PersonalField:
    entry = registry.entry_for(entry_model)
    assert entry is not None
    return next(f for f in entry.fields if f.name == name)


def test_it_gives_every_field_a_legal_basis_and_a_retention():
    assert check_legal_basis() == []
    for entry in entries():
        for personal in entry.fields:
            assert personal.legal_basis in LegalBasis.values, f"{entry.label}.{personal.name}"
            assert str(personal.retention).strip(), f"{entry.label}.{personal.name}"


def test_it_fails_the_check_for_a_field_without_a_legal_basis_or_a_retention(monkeypatch):
    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))  # the real declarations stay
    entry = register(
        LoginEvent,
        subject="user",
        purpose="A purpose",
        fields=[PersonalField("ip_address", Category.TECHNICAL)],
    )
    errors = legal_basis_errors([entry])
    assert [e.id for e in errors] == ["personal_data.E005"]
    assert "accounts.LoginEvent.ip_address has no legal_basis and no retention" in errors[0].msg
    # A basis on the entry is enough for every field that does not give its own.
    entry = register(
        LoginEvent,
        subject="user",
        purpose="A purpose",
        legal_basis=LegalBasis.CONSENT,
        fields=[PersonalField("ip_address", Category.TECHNICAL, retention="a year")],
    )
    assert legal_basis_errors([entry]) == []


def test_it_names_a_fideslang_leaf_for_every_field():
    for entry in entries():
        for personal in entry.fields:
            key = personal.fides_category
            assert key in TAXONOMY, f"{entry.label}.{personal.name}: {key} is not in fideslang's taxonomy"
            assert key not in PARENTS or key in FIDES_WHOLE, f"{entry.label}.{personal.name}: {key} is not a leaf"
    assert FIDES_WHOLE <= TAXONOMY


@pytest.mark.parametrize(
    ("model", "field", "expected"),
    [
        (LoginEvent, "ip_address", "user.device.ip_address"),
        (User, "email", "user.contact.email"),
        (User, "phone", "user.contact.phone_number"),
        (User, "mailing_address", "user.contact.address"),
        (User, "profile_picture", "user.content.self_image"),
    ],
)
def test_it_maps_the_fields_the_issue_names_to_their_leaf(model, field, expected):
    assert _field(model, field).fides_category == expected


def test_it_maps_secrets_to_credentials_and_identifiers_away_from_real_names():
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount, SocialToken

    from apps.accounts.models import PublicProfile

    assert _field(SocialToken, "token").fides_category == "user.authorization.credentials"
    assert _field(Authenticator, "data").fides_category == "user.authorization.credentials"
    assert _field(SocialAccount, "uid").fides_category != "user.name"
    assert _field(PublicProfile, "handle").fides_category == "user.account.username"
