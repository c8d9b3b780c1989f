import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.demo import CUSTOMER_EMAILS, DEMO_PASSWORD, OFFICER_EMAIL, SUPPORT_EMAIL, seed_demo


class Command(BaseCommand):
    help = "Load demo data (idempotent): a privacy officer, a support agent, two named customers and N generated ones."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=50, help="How many generated customers to have (default 50)."
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, customers: int, quiet_logins: bool, **options):
        if customers < 0 or customers > 2_000_000:
            raise CommandError("--customers must be between 0 and 2000000.")
        started = time.monotonic()
        result = seed_demo(customers=customers)
        self.stdout.write(
            f"Demo data ready: {result.customers_created} new generated customers ({time.monotonic() - started:.1f}s)."
        )
        if quiet_logins:
            return
        site = getattr(settings, "SITE_URL", "http://127.0.0.1:8000")
        lines = [
            "",
            "=" * 72,
            f"  Privacy Portal: {site}",
            f"  Local mailbox (verification links): {site}/dev/mail/",
            "",
            f"  Every demo login uses the password: {DEMO_PASSWORD}",
            f"  Privacy officer  {OFFICER_EMAIL}   admin: {site}/admin/",
            f"      authenticator (TOTP) secret: {result.officer_totp_secret}",
            f"      recovery codes: {' '.join(result.officer_recovery_codes[:4])} …",
            f"  Support agent    {SUPPORT_EMAIL}   (must set up an authenticator on first admin visit)",
            f"  Customers        {CUSTOMER_EMAILS[0]}, {CUSTOMER_EMAILS[1]}",
            "=" * 72,
            "",
        ]
        self.stdout.write("\n".join(lines))
