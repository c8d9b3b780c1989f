from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "apps.consent"
    label = "consent"
    verbose_name = _("Consent and preferences")

    def ready(self) -> None:
        import apps.consent.policies  # noqa: F401 (registers the policy-notice mailing kind)
        from apps.accounts.navigation import NavItem
        from apps.accounts.navigation import register as register_nav_item
        from apps.consent import marketing, selectors, signals  # noqa: F401 (mailing kind, sign-in receiver)
        from apps.disclosures.selectors import recipients as disclosures

        # Your Account → Privacy choices (P-10, P-11).
        register_nav_item(NavItem("privacy_choices", _("Privacy choices"), "consent:choices", 40))
        # Sharing with a marketing partner on the basis of consent needs that consent (P-20).
        if selectors.partner_consent_given not in disclosures.PARTNER_CONSENT_CHECKS:
            disclosures.PARTNER_CONSENT_CHECKS.append(selectors.partner_consent_given)
