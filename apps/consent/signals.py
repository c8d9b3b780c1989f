"""The consent app's receivers, connected when ConsentConfig.ready imports this module.

- At sign-in, choices made before it (against the consent cookie) become the account's.
- A change to a cookie category clears the cached cookie catalogue at once.
"""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.consent.middleware import visitor_id_from_request
from apps.consent.models import ConsentEvent, Purpose
from apps.consent.selectors.cookies import catalogue_forget
from apps.consent.services.ledger import Context, visitor_choices_carry


@receiver(user_logged_in, dispatch_uid="consent.carry_visitor_choices")
def carry_choices_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    visitor_id = visitor_id_from_request(request)
    if visitor_id:
        visitor_choices_carry(
            visitor_id=visitor_id,
            subject=user,
            context=Context.from_request(request, ConsentEvent.Method.CARRIED_AT_SIGN_IN),
        )


@receiver(post_save, sender=Purpose, dispatch_uid="consent.cookies.catalogue_saved")
@receiver(post_delete, sender=Purpose, dispatch_uid="consent.cookies.catalogue_deleted")
def forget_cookie_catalogue(sender, instance: Purpose, **kwargs) -> None:
    if instance.kind == Purpose.Kind.COOKIES:
        catalogue_forget()
