"""The consent app's receivers, connected when ConsentConfig.ready imports this module.

- At sign-in, choices made before it (against the consent cookie) become the account's.
- A change to a cookie category clears the cached cookie catalogue at once.
- A privacy policy version that has taken effect cannot be deleted, whatever path deletes it.
- A change to a policy version or a mailing clears the cached banner window.
"""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from apps.consent.middleware import visitor_id_from_request
from apps.consent.models import ConsentEvent, Mailing, PolicyVersion, Purpose
from apps.consent.selectors.cookies import catalogue_forget
from apps.consent.selectors.policy import forget_announced_versions
from apps.consent.services.ledger import Context, visitor_choices_carry
from apps.core.clock import organisation_today


@receiver(user_logged_in, dispatch_uid="consent.carry_choices_at_sign_in")
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


@receiver(post_save, sender=Purpose, dispatch_uid="consent.cookie_catalogue_saved")
@receiver(post_delete, sender=Purpose, dispatch_uid="consent.cookie_catalogue_deleted")
def forget_cookie_catalogue(sender, instance: Purpose, **kwargs) -> None:
    if instance.kind == Purpose.Kind.COOKIES:
        catalogue_forget()


@receiver(pre_delete, sender=PolicyVersion, dispatch_uid="consent_policy_version_kept")
def keep_effective_policy_versions(sender, instance: PolicyVersion, **kwargs) -> None:
    # Whatever path deletes (shell, a future bulk tool), a version that was ever in force stays:
    # it is the text customers agreed to.
    if instance.effective_on <= organisation_today():
        raise PermissionError("A privacy policy version that has taken effect cannot be deleted.")


for _model in (PolicyVersion, Mailing):
    post_save.connect(forget_announced_versions, sender=_model, dispatch_uid=f"consent_banner_{_model.__name__}_saved")
    post_delete.connect(forget_announced_versions, sender=_model, dispatch_uid=f"consent_banner_{_model.__name__}_gone")
