"""At sign-in, choices made before it (against the consent cookie) become the account's."""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from apps.consent.models import ConsentEvent


@receiver(user_logged_in, dispatch_uid="consent.carry_visitor_choices")
def carry_choices_at_sign_in(sender, request, user, **kwargs) -> None:
    from apps.consent.cookies import visitor_id_from_request
    from apps.consent.services.ledger import Context, visitor_choices_carry

    if request is None:
        return
    visitor_id = visitor_id_from_request(request)
    if visitor_id:
        visitor_choices_carry(
            visitor_id=visitor_id,
            subject=user,
            context=Context.from_request(request, ConsentEvent.Method.CARRIED_AT_SIGN_IN),
        )
