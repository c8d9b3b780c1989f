from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "apps.consent"
    label = "consent"
    verbose_name = _("Consent and preferences")

    def ready(self) -> None:
        from apps.consent import signals  # noqa: F401 (sign-in, cookie-catalogue and policy-version receivers)
        from apps.consent.selectors.ledger import partner_consent_given
        from apps.core.navigation import NavItem
        from apps.core.navigation import register as register_nav_item
        from apps.disclosures.selectors import recipients as disclosures

        self._connect_mailings()
        # The marketing and newsletter choices on the sign-up form (P-10).
        from apps.accounts.forms import SignupSection, register_signup_section
        from apps.consent.forms import signup_choices_add, signup_choices_save

        register_signup_section(SignupSection(add_fields=signup_choices_add, save=signup_choices_save))
        # Your Account → Privacy choices (P-10, P-11).
        register_nav_item(NavItem("privacy_choices", _("Privacy choices"), "consent:choices", 40))
        # The Your Account overview: how many uses are switched on.
        from apps.consent.selectors.ledger import choices_overview_card
        from apps.core.navigation import register_card

        register_card("choices", 40, choices_overview_card)
        # The privacy-operations home: policy versions on their way, and their notices.
        from apps.consent.selectors.workspace import policy_tile
        from apps.core.admin.workspace import register_tile

        register_tile(
            "policy_notices",
            order=80,
            may_view=lambda user: user.has_perm("consent.view_policyversion"),
            provider=policy_tile,
        )
        # Sharing with a marketing partner on the basis of consent needs that consent (P-20).
        if partner_consent_given not in disclosures.PARTNER_CONSENT_CHECKS:
            disclosures.PARTNER_CONSENT_CHECKS.append(partner_consent_given)

    @staticmethod
    def _connect_mailings() -> None:
        """The batched sender (apps.consent.mailing): its job kind, and whom each kind reaches with what."""
        from apps.consent import tasks  # noqa: F401  (registers the mailing job kind)
        from apps.consent.mailing.kinds import MAILING_KINDS, MailingKind
        from apps.consent.models import Mailing
        from apps.consent.selectors.marketing import campaign_mailing_audience
        from apps.consent.selectors.policy import notice_audience
        from apps.consent.services.marketing import marketing_message
        from apps.consent.services.policy import notice_message

        MAILING_KINDS[Mailing.Kind.MARKETING] = MailingKind(
            audience=campaign_mailing_audience, build_message=marketing_message
        )
        MAILING_KINDS[Mailing.Kind.POLICY_NOTICE] = MailingKind(audience=notice_audience, build_message=notice_message)
