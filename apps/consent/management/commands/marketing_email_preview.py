"""Print the marketing email a customer would receive: every header and both bodies.

    manage.py marketing_email_preview EMAIL [--purpose CODE | --campaign REFERENCE]

Without --purpose or --campaign it previews the first email marketing purpose with a placeholder
message. Nothing is sent and nothing is recorded. When the customer may not be contacted the
preview is printed all the same, and stderr says that they would not receive it, and why.
"""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.consent.models import Mailing, Purpose
from apps.consent.selectors.marketing import campaign_purposes, contact_refusal_reason
from apps.consent.services.marketing import marketing_message


class Command(BaseCommand):
    help = "Print the full marketing email (headers and body) a customer would receive. Sends nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The customer's account email address.")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--purpose", help="Code of an email marketing purpose, e.g. newsletter.")
        source.add_argument("--campaign", help="Reference of a marketing campaign, to preview its own text.")

    def handle(self, *args, email: str, purpose: str | None, campaign: str | None, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account has the email address {email!r}.")
        source: Mailing | Purpose
        if campaign:
            source = self._campaign(campaign)
            chosen = source.purpose
            assert chosen is not None  # _campaign refuses a campaign without a purpose
        else:
            chosen = source = self._purpose(purpose)
        self.stdout.write(marketing_message(source, user).message().as_string())
        reason = contact_refusal_reason(user, chosen)
        if reason:
            self.stderr.write(f"NOT SENT: {user.email} would not receive this email: {reason}.")

    def _purpose(self, code: str | None) -> Purpose:
        if code is None:
            purpose = campaign_purposes().first()
            if purpose is None:
                raise CommandError("There is no active email marketing purpose to preview; name one with --purpose.")
            return purpose
        purpose = Purpose.objects.filter(code=code).first()
        if purpose is None:
            known = ", ".join(Purpose.objects.filter(is_marketing=True, channel="email").values_list("code", flat=True))
            raise CommandError(f"No purpose has the code {code!r}. Email marketing purposes: {known or 'none'}.")
        if not purpose.is_marketing or purpose.channel != Purpose.Channel.EMAIL:
            raise CommandError(f"The purpose {code!r} is not email marketing: no marketing email is sent for it.")
        return purpose

    def _campaign(self, reference: str) -> Mailing:
        try:
            key = uuid.UUID(reference)
        except ValueError:
            raise CommandError(f"{reference!r} is not a campaign reference.") from None
        mailing = Mailing.objects.select_related("purpose").filter(reference=key, kind=Mailing.Kind.MARKETING).first()
        if mailing is None or mailing.purpose is None:
            raise CommandError(f"No marketing campaign has the reference {reference}.")
        return mailing
