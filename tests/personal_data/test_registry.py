"""The personal-data registry: complete, checked, and readable by officers."""

import csv
import io
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from apps.accounts.models import LoginEvent, User
from apps.personal_data import registry
from apps.personal_data.checks import check_personal_data_registry
from apps.personal_data.registry import Action, Category, PersonalField, entries
from tests.factories import UserFactory


def test_it_passes_its_own_system_check_for_every_installed_model():
    assert check_personal_data_registry() == []


def test_it_fails_the_check_when_a_personal_model_is_not_registered(monkeypatch):
    monkeypatch.delitem(registry._ENTRIES, LoginEvent._meta.label)
    errors = check_personal_data_registry()
    assert [e.id for e in errors] == ["personal_data.E001"]
    assert "accounts.LoginEvent" in errors[0].msg
    assert "user points at the user" in errors[0].msg
    assert "ip_address looks personal" in errors[0].msg


def test_it_covers_history_tables_through_their_model():
    assert registry.is_covered(User.history.model)
    assert registry.is_covered(apps.get_model("accounts", "HistoricalPublicProfile"))


def test_it_registers_every_model_that_points_at_the_user():
    user_label = User._meta.label
    for model in apps.get_models():
        points_at_user = any(
            (f.many_to_one or f.one_to_one)
            and f.concrete
            and f.related_model is not None
            and f.related_model._meta.label == user_label
            for f in model._meta.get_fields()
        )
        if points_at_user:
            assert registry.is_covered(model), model._meta.label


def test_it_orders_entries_so_rows_pointing_at_others_come_first():
    order = [e.label for e in entries()]
    assert order.index("socialaccount.SocialToken") < order.index("socialaccount.SocialAccount")
    assert order.index("account.EmailConfirmation") < order.index("account.EmailAddress")
    assert order[-1] == "accounts.User"


def test_it_refuses_a_kept_field_without_a_legal_basis():
    with pytest.raises(ValueError, match="legal basis"):
        PersonalField("date_joined", Category.ACCOUNT, Action.KEEP)


def test_it_refuses_to_register_a_field_the_model_does_not_have():
    with pytest.raises(ValueError, match="unknown fields"):
        registry.register(LoginEvent, subject="user", purpose="x", fields=[PersonalField("nope", Category.USAGE)])


def test_it_prints_the_map_as_json_csv_and_a_table(capsys):
    call_command("personal_data_map", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    emails = [r for r in data["fields"] if r["model"] == "accounts.User" and r["field"] == "email"]
    assert emails[0]["fides_category"] == "user.contact.email"
    assert emails[0]["erasure"] == "pseudonym"
    assert any(e["model"] == "sessions.Session" for e in data["exempt"])

    call_command("personal_data_map", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {"model", "field", "category", "fides_category", "erasure", "legal_basis", "retention"} <= set(rows[0])
    kept = [r for r in rows if r["erasure"] == "keep"]
    assert kept
    assert all(r["legal_basis"] for r in kept)

    call_command("personal_data_map")
    table = capsys.readouterr().out
    assert "accounts.LoginEvent" in table
    assert "personal fields in" in table


@pytest.mark.django_db
def test_it_finds_where_a_value_is_held_including_history(capsys):
    person = UserFactory(email="findme-7731@example.test", full_name="Quinn Findable")
    person.full_name = "Quinn Renamed"
    person.save()
    UserFactory(email="someone-else@example.test")

    call_command("find_personal_data", "Quinn Findable")
    out = capsys.readouterr().out
    assert "accounts_historicaluser.full_name" in out  # only the old version still has it
    assert "accounts_user.full_name" not in out

    call_command("find_personal_data", "findme-7731")
    out = capsys.readouterr().out
    assert "accounts_user.email" in out
    assert "account_emailaddress.email" in out
    assert "someone-else" not in out


@pytest.mark.django_db
def test_it_says_so_when_a_value_is_nowhere(capsys):
    call_command("find_personal_data", "absent-value-xyz")
    assert "Not found" in capsys.readouterr().out


def test_it_rejects_a_search_too_short_to_be_useful():
    with pytest.raises(CommandError, match="at least 3"):
        call_command("find_personal_data", "a")
