"""Writes of how the customer uses the service: feature usage, location, product settings, calls.

Usage is activity (P-43): ``usage_record`` moves the account's ``last_seen_at`` forward, which
the inactivity purge (apps/retention/purge/scope.py) reads with the last sign-in, so a customer
who uses the product without signing in again is not taken for an abandoned account.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.services import user_touch_last_seen
from apps.core.actors import SystemActor, record_actor
from apps.service_data.models import CallRecord, LocationRecord, OptionalKind, ProductConfiguration, UsageEvent
from apps.service_data.selectors.activity import kind_refused
from apps.service_data.services.content import subject_rows_delete

# A device's clock may run a little ahead of ours; further ahead is a bad timestamp.
CLOCK_SKEW = timedelta(minutes=5)
# Product settings are a small document of choices, not a place to store content.
CONFIGURATION_MAX_BYTES = 16 * 1024


def _moment(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationError(_("The time must say its time zone."))
    if at > now + CLOCK_SKEW:
        raise ValidationError(_("The time is in the future."))
    return at


@transaction.atomic
def usage_record(*, owner: User, feature: str, action: str, at: datetime | None = None) -> UsageEvent:
    """One use of a feature by ``owner`` (the actor: the customer's own device or session)."""
    event = UsageEvent(
        owner=owner, feature=(feature or "").strip(), action=(action or "").strip(), occurred_at=_moment(at)
    )
    event.full_clean(exclude=["owner"])
    event.save()
    # The usage counts as being seen: at most one write a day (LAST_SEEN_RESOLUTION), and only
    # forward, so an old event replayed late never moves the account back in time.
    user_touch_last_seen(user=owner, now=event.occurred_at)
    return event


@transaction.atomic
def location_record(
    *,
    owner: User,
    latitude: Decimal | float | str,
    longitude: Decimal | float | str,
    accuracy_m: int | None = None,
    at: datetime | None = None,
) -> LocationRecord:
    """Where the customer's device was. Refused when the customer refused location (P-38)."""
    # The account's row is the lock a refusal also takes: no record slips in beside one.
    type(owner)._base_manager.select_for_update().filter(pk=owner.pk).first()
    if kind_refused(owner=owner, kind=OptionalKind.LOCATION):
        raise ValidationError(
            _("You chose not to give us your location, so it was not recorded. You can allow it again in Your Account.")
        )
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except ArithmeticError as exc:
        raise ValidationError(_("Latitude and longitude must be numbers.")) from exc
    if not (lat.is_finite() and lon.is_finite()) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(_("Latitude must be between -90 and 90, longitude between -180 and 180."))
    record = LocationRecord(
        owner=owner,
        latitude=lat.quantize(Decimal("0.000001")),
        longitude=lon.quantize(Decimal("0.000001")),
        accuracy_m=accuracy_m,
        recorded_at=_moment(at),
    )
    record.full_clean(exclude=["owner"])
    record.save()
    return record


@transaction.atomic
def location_delete_all(*, owner: User, actor: User | SystemActor) -> int:
    """Delete every location record of ``owner`` (the customer's "delete all")."""
    if isinstance(actor, User) and actor.pk != owner.pk:
        raise ValidationError(_("Only the customer deletes their location history here."))
    # As erasure deletes; a legal hold on location data keeps it.
    return subject_rows_delete(LocationRecord.objects.filter(owner=owner), subject=owner, actor=actor).rows


@transaction.atomic
def product_configuration_set(*, owner: User, settings: dict, actor: User | SystemActor) -> ProductConfiguration:
    """Replace the customer's product settings (a JSON object of choices)."""
    if not isinstance(settings, dict) or not all(isinstance(key, str) for key in settings):
        raise ValidationError(_("Product settings must be an object of named values."))
    try:
        size = len(json.dumps(settings).encode())
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            _("Product settings must be plain values (text, numbers, true or false, lists).")
        ) from exc
    if size > CONFIGURATION_MAX_BYTES:
        raise ValidationError(_("Product settings are limited to %(size)d bytes.") % {"size": CONFIGURATION_MAX_BYTES})
    configuration, _created = ProductConfiguration.objects.select_for_update().get_or_create(owner=owner)
    configuration.settings = settings
    configuration.full_clean(exclude=["owner"])
    record_actor(configuration, actor=actor, reason="product settings changed")
    configuration.save()
    return configuration


@transaction.atomic
def call_record_create(
    *,
    owner: User,
    started_at: datetime,
    direction: str,
    other_party: str,
    duration_seconds: int,
    cost: Decimal | str,
    currency: str = "USD",
) -> CallRecord:
    """One call made in the service, as the telephony system reports it (no audio, ever)."""
    try:
        amount = Decimal(str(cost))
    except ArithmeticError as exc:
        raise ValidationError({"cost": _("The cost must be a number.")}) from exc
    if amount < 0:
        raise ValidationError({"cost": _("The cost cannot be negative.")})
    call = CallRecord(
        owner=owner,
        started_at=_moment(started_at),
        direction=direction,
        other_party=(other_party or "").strip(),
        duration_seconds=duration_seconds,
        cost=amount,
        currency=(currency or "").upper(),
    )
    call.full_clean(exclude=["owner"])
    call.save()
    return call
