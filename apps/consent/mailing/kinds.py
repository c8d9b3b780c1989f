"""How each kind of mailing chooses its audience and builds one message (registered by ConsentConfig.ready)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.consent.models import Mailing, MailingDelivery


@dataclass(frozen=True)
class MailingKind:
    audience: Callable[[Mailing], QuerySet[User]]
    build_message: Callable[[Mailing, User], EmailMessage]
    # Called with (mailing, account ids) in the transaction that records a batch's deliveries,
    # and again in the one that forgets those a failed send did not deliver: a kind that keeps
    # its own proof of delivery (a breach notice's, which must outlive the account) stays in
    # step with the sender's ledger.
    delivered: Callable[[Mailing, list[int]], None] | None = None
    forgotten: Callable[[Mailing, list[int]], None] | None = None


MAILING_KINDS: dict[str, MailingKind] = {}


def kind_of(mailing: Mailing) -> MailingKind:
    try:
        return MAILING_KINDS[mailing.kind]
    except KeyError:
        raise ValidationError(_("This kind of mailing cannot be sent.")) from None


def remaining_audience(mailing: Mailing) -> QuerySet[User]:
    """Who is still to receive ``mailing``: its kind's audience now, less those it was delivered to."""
    delivered = MailingDelivery.objects.filter(mailing=mailing, subject=OuterRef("pk"))
    return kind_of(mailing).audience(mailing).exclude(Exists(delivered))
