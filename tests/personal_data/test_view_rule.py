"""The field-level view rule: every registered personal field says which staff roles may see it."""

from __future__ import annotations

import pytest

from apps.accounts.domain import ROLE_PERMISSIONS, ROLE_VIEWERS
from apps.accounts.models import LoginEvent, User
from apps.personal_data import registry
from apps.personal_data.checks import check_field_view_rule, field_view_rule_errors
from apps.personal_data.registry import CATEGORY_VIEWERS, Category, PersonalField, Viewer, entries, fields_hidden_from


def test_it_passes_its_own_check_for_every_registered_field():
    assert check_field_view_rule() == []


def test_it_fails_the_check_for_a_category_nobody_is_declared_for():
    undeclared = {category: viewers for category, viewers in CATEGORY_VIEWERS.items() if category != Category.USAGE}

    errors = field_view_rule_errors(entries(), undeclared)

    assert errors[0].id == "personal_data.E003"
    assert "'usage'" in errors[0].msg
    # And every registered usage field without its own declaration is named, User.last_login among them.
    assert {e.id for e in errors[1:]} == {"personal_data.E004"}
    assert any("accounts.User.last_login" in e.msg for e in errors)


def test_it_fails_the_check_for_a_new_field_declared_for_nobody(monkeypatch):
    entry = registry.entry_for(LoginEvent)
    assert entry is not None
    unseen = PersonalField("ip_address", Category.TECHNICAL, seen_by=frozenset())
    monkeypatch.setitem(registry._ENTRIES, entry.label, registry.Entry(**{**entry.__dict__, "fields": (unseen,)}))

    errors = check_field_view_rule()

    assert [(e.id, e.msg.split()[0]) for e in errors] == [("personal_data.E004", "accounts.LoginEvent.ip_address")]


def test_it_hides_every_personal_field_of_the_live_user_from_an_auditor():
    personal = {f.name for f in registry.entry_for(User).fields}
    assert fields_hidden_from(User, {Viewer.AUDITOR}) == personal
    assert fields_hidden_from(User.history.model, {Viewer.AUDITOR}) == personal
    assert fields_hidden_from(User, {Viewer.OFFICER}) == frozenset()


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_it_makes_every_staff_role_a_viewer(role):
    assert role in ROLE_VIEWERS
