"""manage.py purge [--dry-run] [--rule CODE]: the daily purge's second door (the first is beat)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.core.jobs import RetryLater
from apps.retention.models import PurgeRun, RetentionRule
from apps.retention.purge import PurgeBusy, purge, purge_preview


class Command(BaseCommand):
    help = "Carry out the retention rules now (or, with --dry-run, print what they would take)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print per-rule counts as JSON; change nothing.")
        parser.add_argument("--rule", default="", metavar="CODE", help="Only this rule (its code).")

    def handle(self, *args, dry_run: bool, rule: str, **options) -> None:
        if rule and not RetentionRule.objects.filter(code=rule).exists():
            known = ", ".join(RetentionRule.objects.values_list("code", flat=True))
            raise CommandError(f"No retention rule has the code {rule!r}. Known: {known}")
        if dry_run:
            rules = purge_preview(rule_code=rule)
            totals = {
                key: sum(r[key] for r in rules)
                for key in ("would_delete", "would_anonymise", "would_erase_accounts", "would_warn", "held_back")
            }
            self.stdout.write(json.dumps({"dry_run": True, "rules": rules, "totals": totals}, indent=2))
            return
        try:
            run = purge(triggered_by=PurgeRun.Trigger.COMMAND, rule_code=rule)
        except PurgeBusy as busy:
            raise CommandError(f"A purge is already running ({busy.run.reference}); nothing was done.") from None
        except RetryLater as wait:
            raise CommandError(f"The purge did its rules, but {wait}; its run is tried again later.") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        result = {
            "reference": str(run.reference),
            "status": run.status,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "rules": run.progress,
            "totals": run.totals(),
        }
        self.stdout.write(json.dumps(result, indent=2, default=str))
        if run.status != PurgeRun.Status.COMPLETED:
            raise CommandError(f"The purge finished with errors: {'; '.join(run.errors())}")
