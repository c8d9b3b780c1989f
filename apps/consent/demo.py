"""Demo consent data for `make run`: choices with their evidence, a marketing partner, a draft campaign."""

from __future__ import annotations

from apps.accounts.demo import DemoSeed
from apps.consent.models import ConsentEvent, Mailing, Purpose
from apps.consent.services.ledger import Context, consent_set_choices
from apps.consent.services.marketing import campaign_create
from apps.disclosures.models import Recipient

PARTNER_PURPOSE = "partner-example-travel"


def seed(demo: DemoSeed) -> None:
    officer, customers = demo.officer, demo.customers
    """Idempotent: choices are recorded once, the partner and campaign only if missing."""
    partner, _ = Recipient.objects.get_or_create(
        name="Example Travel Partners Ltd",
        defaults={
            "category": Recipient.Category.MARKETING_PARTNER,
            "country": "GB",
            "agreement": Recipient.Agreement.CONFIDENTIALITY,
            "agreement_reference": "NDA-2026-012",
        },
    )
    partner_purpose, _ = Purpose.objects.get_or_create(
        code=PARTNER_PURPOSE,
        defaults={
            "legal_basis": Purpose.LegalBasis.CONSENT,
            "is_marketing": True,
            "partner": partner,
            "display_order": 90,
            "name_en": "Offers from Example Travel Partners",
            "description_en": "We share your name and email address with Example Travel Partners Ltd so they can "
            "send you their own travel offers.",
            "name_vi": "Ưu đãi từ Example Travel Partners",
            "description_vi": "Chúng tôi chia sẻ tên và địa chỉ email của bạn với Example Travel Partners Ltd để họ "
            "gửi cho bạn các ưu đãi du lịch của chính họ.",
        },
    )
    alice = customers[0]
    if not ConsentEvent.objects.filter(subject=alice).exists():
        by_code = {p.code: p for p in Purpose.objects.filter(code__in=["newsletter", "marketing-email", "surveys"])}
        signup = Context(method=ConsentEvent.Method.SIGNUP, language="en", source_page="/accounts/signup/")
        choices = {by_code["newsletter"]: True, by_code["marketing-email"]: False, by_code["surveys"]: False}
        consent_set_choices(choices=choices, context=signup, actor=alice, subject=alice, record_unchanged=True)
        page = Context(method=ConsentEvent.Method.ACCOUNT_PAGE, language="en", source_page="/account/privacy-choices/")
        consent_set_choices(
            choices={by_code["marketing-email"]: True, partner_purpose: True}, context=page, actor=alice, subject=alice
        )
    if not Mailing.objects.filter(kind=Mailing.Kind.MARKETING).exists():
        campaign_create(
            purpose=Purpose.objects.get(code="newsletter"),
            subject_line="Our November newsletter",
            body="This month: new privacy choices in Your Account, and how we handle your data requests.",
            actor=officer,
        )
