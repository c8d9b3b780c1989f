"""manage.py breach_affected REF: find the people a breach affected through the registry, print
the counts by jurisdiction and language as JSON, and freeze the set (not with --dry-run)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.breaches.management.commands.breach_open import parse_moment
from apps.breaches.selectors.people import Selection, affected_counts, affected_people
from apps.breaches.selectors.register import breach_by_number_or_reference
from apps.breaches.services.people import accounts_from_csv, affected_set_freeze
from apps.core.actors import SystemActor

ACTOR = SystemActor("manage.py breach_affected")


class Command(BaseCommand):
    help = "Find (and unless --dry-run, freeze) the people a breach affected; prints counts as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ref", help="The breach's number (BR-2026-0001) or reference.")
        parser.add_argument("--category", action="append", default=[], help="A registry data category (repeatable).")
        parser.add_argument("--model", action="append", default=[], help="A registered model, e.g. accounts.User.")
        parser.add_argument("--since", help="Rows dated on or after (ISO 8601 with offset).")
        parser.add_argument("--until", help="Rows dated before (ISO 8601 with offset).")
        parser.add_argument("--accounts", help="A CSV of accounts (email, reference or id a row).")
        parser.add_argument("--dry-run", action="store_true", help="Count only; freeze nothing.")

    def handle(self, *args, **options) -> None:
        breach = breach_by_number_or_reference(options["ref"])
        if breach is None:
            raise CommandError(f"No breach is numbered or referenced {options['ref']!r}.")
        try:
            account_ids: list[int] = []
            if options["accounts"]:
                path = Path(options["accounts"])
                if not path.is_file():
                    raise CommandError(f"No file at {path}.")
                account_ids = accounts_from_csv(path.read_bytes())
            selection = Selection(
                categories=tuple(options["category"]),
                models=tuple(options["model"]),
                since=parse_moment(options["since"], "--since"),
                until=parse_moment(options["until"], "--until"),
                account_ids=tuple(account_ids),
            )
            if options["dry_run"]:
                found = affected_people(selection)
                result = {**affected_counts(found.people), "query": found.query, "frozen": False}
            else:
                frozen = affected_set_freeze(breach=breach, selection=selection, actor=ACTOR)
                result = {
                    "total": frozen.total,
                    "by_jurisdiction": frozen.by_jurisdiction,
                    "by_language": frozen.by_language,
                    "query": frozen.query,
                    "frozen": True,
                }
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(json.dumps(result))
