"""Writes of invoices and payments (P-41, P-42), and the financial legal hold that follows an
unpaid invoice.

- ``invoice_issue`` numbers the invoice, snapshots the billing name and address, and places a
  legal hold on the customer's financial data: one hold per invoice. Per invoice rather than
  one per customer because each hold then has one owner and one end: settling or cancelling
  its invoice releases exactly that hold, with no counting of "other open invoices" that two
  concurrent payments could both get wrong. A customer with two unpaid invoices has two holds;
  the financial data stays until the last is settled.
- ``payment_record`` takes the processor's word about a payment; it may arrive twice (or
  out of order), so it is idempotent on (processor, processor's reference). When succeeded
  payments cover the invoice, it is paid and its hold released in the same transaction:
  the next purge then completes an erasure the hold kept back
  (apps/retention/purge/scope.py ``erasures_released``).
- ``invoice_void`` cancels an unpaid invoice, releasing its hold.

No card data: the models' clean() refuses any card-number-like value (apps/core/cards.py).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import SystemActor, actor_label, record_actor
from apps.core.clock import organisation_today
from apps.personal_data.registry import Category
from apps.retention.models import LegalHold
from apps.retention.services.holds import legal_hold_place, legal_hold_release
from apps.service_data.models import Invoice, Payment

logger = logging.getLogger(__name__)

Actor = User | SystemActor

# An officer looks at an unpaid invoice's hold this long after it fell due: whether the debt
# is still pursued or should be written off (the hold's reminder goes to the officers).
HOLD_REVIEW_AFTER_DUE = timedelta(days=60)

# Payment statuses a processor's callback may move to from each status. Anything else (an
# older callback arriving after a newer one) is ignored, not an error: the processor would
# otherwise send it again and again.
NEXT_STATUSES = {
    Payment.Status.PENDING: {Payment.Status.SUCCEEDED, Payment.Status.FAILED},
    Payment.Status.SUCCEEDED: {Payment.Status.REFUNDED},
    Payment.Status.FAILED: set(),
    Payment.Status.REFUNDED: set(),
}


def _person(actor: Actor, fallback: User) -> User:
    # Holds name a person as who placed and released them; a system job (the processor's
    # callback, the monthly billing run) acts for the customer whose invoice it is.
    return actor if isinstance(actor, User) else fallback


def _next_number(today: date) -> str:
    prefix = f"INV-{today:%Y}-"
    last = (
        Invoice.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last and last.removeprefix(prefix).isdigit() else 1
    return f"{prefix}{sequence:06d}"


@transaction.atomic
def invoice_issue(
    *,
    customer: User,
    description: str,
    amount: Decimal,
    currency: str = "USD",
    due_on: date,
    actor: Actor,
    issued_on: date | None = None,
) -> Invoice:
    """Issue an unpaid invoice to ``customer`` and hold their financial data until it is settled."""
    if customer.is_staff or not customer.is_active:
        raise ValidationError(_("Invoices are issued only to active customers' accounts."))
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("An invoice's amount must be more than zero.")})
    issued_on = issued_on or organisation_today()
    if due_on < issued_on:
        raise ValidationError({"due_on": _("An invoice cannot fall due before it is issued.")})
    invoice = Invoice(
        customer=customer,
        issued_on=issued_on,
        due_on=due_on,
        description=description.strip(),
        amount=amount,
        currency=currency.upper(),
        billing_name=customer.full_name or customer.email,
        billing_address=customer.mailing_address,
    )
    # Numbers are consecutive per year (tax rules want no gaps without a reason). Two issues at
    # once may pick the same next number: the unique index refuses the second, which tries the
    # number after (each try in a savepoint, so the outer transaction survives the refusal).
    for _attempt in range(20):
        invoice.number = _next_number(issued_on)
        invoice.full_clean(exclude=["number"])  # its uniqueness is the database's to decide
        record_actor(invoice, actor=actor, reason="invoice issued")
        try:
            with transaction.atomic():
                invoice.save()
            break
        except IntegrityError:
            invoice.pk = None
            continue
    else:
        raise RuntimeError("could not allocate an invoice number after 20 tries")
    _hold_for(invoice, actor=actor)
    return invoice


def _hold_for(invoice: Invoice, *, actor: Actor) -> LegalHold:
    assert invoice.customer is not None
    hold = legal_hold_place(
        subject=invoice.customer,
        actor=_person(actor, invoice.customer),
        reason=LegalHold.Reason.UNPAID_DEBT,
        review_on=invoice.due_on + HOLD_REVIEW_AFTER_DUE,
        categories=[Category.FINANCIAL],
        note=f"Invoice {invoice.number} unpaid; placed automatically at issue [{actor_label(actor)}]",
    )
    invoice.hold_reference = hold.reference
    record_actor(invoice, actor=actor, reason="financial legal hold placed")
    invoice.save(update_fields=["hold_reference", "updated_at"])
    return hold


def _release_hold(invoice: Invoice, *, actor: Actor, note: str) -> None:
    hold = LegalHold.objects.filter(reference=invoice.hold_reference).first() if invoice.hold_reference else None
    if hold is None or not hold.is_active:
        return  # released already (by an officer in the admin, say): nothing is held for it
    assert invoice.customer is not None  # a held invoice is never unlinked
    legal_hold_release(hold=hold, actor=_person(actor, invoice.customer), note=note)


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    processor: str,
    processor_reference: str,
    amount: Decimal,
    status: str,
    method_summary: str = "",
    currency: str | None = None,
    actor: Actor,
) -> Payment:
    """Record what the processor says about a payment (a second delivery changes nothing).

    When the invoice's succeeded payments cover its amount, it is paid and its financial
    hold released, in this transaction.
    """
    # The invoice's lock orders every callback about it: two deliveries of one payment, or
    # two payments completing together, are seen one after the other.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    amount = Decimal(amount)
    currency = (currency or locked.currency).upper()
    if status not in Payment.Status.values:
        raise ValidationError({"status": _("Unknown payment status.")})
    existing = Payment.objects.select_for_update().filter(processor=processor, processor_reference=processor_reference)
    payment = existing.first()
    if payment is None:
        if amount <= 0:
            raise ValidationError({"amount": _("A payment's amount must be more than zero.")})
        if currency != locked.currency:
            raise ValidationError({"currency": _("The payment's currency differs from the invoice's.")})
        if locked.status == Invoice.Status.VOID:
            raise ValidationError(_("This invoice was cancelled; it takes no payments."))
        payment = Payment(
            invoice=locked,
            customer=locked.customer,
            processor=processor,
            processor_reference=processor_reference,
            amount=amount,
            currency=currency,
            status=status,
            method_summary=method_summary.strip(),
        )
        payment.full_clean()
        record_actor(payment, actor=actor, reason=f"payment {status} (processor)")
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError:
            # The same reference recorded for another invoice meanwhile (this invoice's lock
            # orders only its own callbacks).
            raise ValidationError(_("This processor reference is already recorded for another invoice.")) from None
    else:
        if payment.invoice_id != locked.pk or payment.amount != amount:
            raise ValidationError(
                _("This processor reference is already recorded for another invoice or amount."),
            )
        if status in NEXT_STATUSES[Payment.Status(payment.status)]:
            payment.status = status
            if method_summary.strip():
                payment.method_summary = method_summary.strip()
            payment.full_clean()
            record_actor(payment, actor=actor, reason=f"payment {status} (processor)")
            payment.save()
        elif status != payment.status:
            logger.info(
                "Payment %s: ignored a change from %s to %s (an older callback)",
                payment.reference,
                payment.status,
                status,
            )
    _settle_if_covered(locked, actor=actor, payment=payment)
    return payment


def _settle_if_covered(invoice: Invoice, *, actor: Actor, payment: Payment) -> None:
    if invoice.status != Invoice.Status.OPEN:
        # A refund does not reopen a paid invoice: the processor's refund is the company's
        # decision, not a new debt.
        return
    paid = invoice.payments.filter(status=Payment.Status.SUCCEEDED).aggregate(total=models.Sum("amount"))["total"]
    if paid is None or paid < invoice.amount:
        return
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.full_clean()
    record_actor(invoice, actor=actor, reason="invoice paid")
    invoice.save()
    _release_hold(
        invoice, actor=actor, note=f"Invoice {invoice.number} paid (payment {payment.reference}); debt settled"
    )


@transaction.atomic
def invoice_void(*, invoice: Invoice, actor: Actor, reason: str) -> Invoice:
    """Cancel an unpaid invoice (issued in error, written off): its hold is released."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is cancelled.")})
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.OPEN:
        raise ValidationError(_("Only an unpaid invoice can be cancelled."))
    if locked.payments.filter(status=Payment.Status.SUCCEEDED).exists():
        raise ValidationError(_("This invoice has payments; refund them through the processor first."))
    if locked.payments.filter(status=Payment.Status.PENDING).exists():
        # The processor may still take the money: a cancelled invoice must not be paid later.
        raise ValidationError(_("A payment of this invoice is still pending; wait for the processor's answer."))
    locked.status = Invoice.Status.VOID
    locked.full_clean()
    record_actor(locked, actor=actor, reason=f"invoice cancelled: {reason}")
    locked.save()
    _release_hold(locked, actor=actor, note=f"Invoice {locked.number} cancelled: {reason}")
    return locked
