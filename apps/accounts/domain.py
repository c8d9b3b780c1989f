"""The accounts rules in plain Python: no queries, no writes, no request.

* Sign-in records: what a user agent string says (device, browser, operating system).
* Staff roles: which permissions each role holds, as patterns (synced onto the role
  groups by ``services.staff_roles_sync``), and which registry viewer each role is.
* Profile pictures: which uploads are accepted, re-encoded without their metadata.
* Public profiles: the handle a new profile starts with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatch
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, UnidentifiedImageError
from user_agents import parse

from apps.personal_data.registry import Viewer

# --- Sign-in records: the user agent ---------------------------------------------------------


@dataclass(frozen=True)
class ParsedAgent:
    device: str
    browser: str
    operating_system: str


def parse_user_agent(raw: str) -> ParsedAgent:
    if not raw:
        return ParsedAgent(device="", browser="", operating_system="")
    agent = parse(raw[:512])
    if agent.is_mobile:
        device = gettext_noop("Mobile")
    elif agent.is_tablet:
        device = gettext_noop("Tablet")
    elif agent.is_bot:
        device = gettext_noop("Bot")
    elif agent.is_pc:
        device = gettext_noop("Computer")
    else:
        device = agent.device.family if agent.device.family != "Other" else ""
    browser = " ".join(filter(None, [agent.browser.family, agent.browser.version_string])).strip()
    os_name = " ".join(filter(None, [agent.os.family, agent.os.version_string])).strip()
    return ParsedAgent(device=device[:64], browser=browser[:64], operating_system=os_name[:64])


# What parse_user_agent names a device, when the user agent says which kind it is; anything
# else (a device family, or nothing) counts as "other" in the admin's filter.
DEVICE_KINDS = ("Computer", "Mobile", "Tablet", "Bot")


def readable_device(raw: str) -> str:
    """A session's device as a person names it: "Firefox on Windows" (no versions, no raw string)."""
    agent = parse(raw[:512]) if raw else None
    browser = agent.browser.family if agent and agent.browser.family != "Other" else ""
    system = agent.os.family if agent and agent.os.family != "Other" else ""
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("An unknown device")


# --- Staff roles -----------------------------------------------------------------------------
#
# The groups are created by a data migration; their permissions are re-synced after every
# migrate (``services.staff_roles_sync``) so a model added by a later app joins the role that
# should see it without another data migration. Each later capability adds its patterns
# here, next to the reason.

PRIVACY_OFFICER = "Privacy officer"
SUPPORT_AGENT = "Support agent"
AUDITOR = "Auditor"

# Apps whose data the portal owns; officers hold every permission on them.
PROJECT_APPS = (
    "accounts",
    "core",
    "consent",
    "disclosures",
    "personal_data",
)

# Patterns over "<app_label>.<codename>".
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    PRIVACY_OFFICER: (
        *(f"{app}.*" for app in PROJECT_APPS),
        # Subject requests (P-30, P-31): officers record, handle and approve them (a second
        # officer approves what one sent for approval) and keep the jurisdictions' deadlines;
        # requests change only through the admin's steps, and nothing there is deleted.
        "subject_requests.view_*",
        "subject_requests.add_subjectrequest",
        "subject_requests.handle_subjectrequest",
        "subject_requests.approve_subjectrequest",
        "subject_requests.add_jurisdiction",
        "subject_requests.change_jurisdiction",
        "subject_requests.add_deadlinerule",
        "subject_requests.change_deadlinerule",
        # Retention (P-40..P-42): officers change rules and place and release holds, start a
        # purge, and read runs and account deletions; nothing there is deleted or edited by hand.
        "retention.view_*",
        "retention.add_retentionrule",
        "retention.change_retentionrule",
        "retention.add_legalhold",
        "retention.change_legalhold",
        "retention.run_purge",
        # Service data, billing (P-41, P-42): officers read invoices and payments; they change
        # only through the billing services (the processor's callback, the billing run).
        "service_data.view_invoice",
        "service_data.view_payment",
        "service_data.view_historicalinvoice",
        "service_data.view_historicalpayment",
        # Breaches (Art. 33-34): officers keep the register and the laws' clocks, and send the
        # notifications; nothing there is deleted.
        "breaches.view_*",
        "breaches.add_breach",
        "breaches.change_breach",
        "breaches.notify_breach",
        "breaches.add_clockrule",
        "breaches.change_clockrule",
        "account.view_*",
        "account.change_emailaddress",
        "socialaccount.view_*",
        "mfa.view_authenticator",
        "usersessions.view_*",
        "admin.view_logentry",
        "auth.view_group",
        # The reference service app (apps/service_data): officers read its records in the admin;
        # they change only through the customer's pages and the app's services.
        "service_data.view_*",
        # Systems a request must reach (apps/systems): officers read each system's task, close a
        # silent one with a reason or tick a manual one off, and make or rotate webhook secrets.
        "systems.view_*",
        "systems.close_propagationtask",
        "systems.add_systemsecret",
        # The API's clients (apps/api): officers create them, rotate and revoke their keys; a
        # client is revoked, never deleted, so its calls and history stay whole.
        "api.view_*",
        "api.add_apiclient",
        "api.change_apiclient",
        # … and subscribe them to webhooks (a secret shown once, rotated with an overlap).
        "api.add_webhooksubscription",
        "api.change_webhooksubscription",
    ),
    # Reads customer records to help them; no export, erasure, disclosures or history.
    # No subject requests either: complaints and the reasons behind erasure or rectification
    # are for the officers who handle them; the customer follows their own requests in
    # Your Account, and support passes a new one on as an officer's intake.
    SUPPORT_AGENT: (
        "accounts.view_user",
        "accounts.view_loginevent",
        "accounts.view_publicprofile",
        "accounts.view_organisation",
        "account.view_emailaddress",
        # Asks a customer for access to their content (P-24); sees the grants in the admin.
        "disclosures.add_contentaccessgrant",
        "disclosures.view_contentaccessgrant",
        # The support team's own emails and call notes with customers (apps/service_data).
        "service_data.view_supportcommunication",
    ),
    # Reads ledgers and change history only, never the live customer record: the history
    # admins hide every personal field from this role (ROLE_VIEWERS, the registry's view rule).
    AUDITOR: (
        "accounts.view_historical*",
        "accounts.view_loginevent",
        "accounts.view_organisation",
        "admin.view_logentry",
        # Audits who looked at which customer, and under which grant (P-25).
        "disclosures.view_staffaccessevent",
        "disclosures.view_contentaccessgrant",
        # The disclosure register and its evidence (P-21..P-23); subjects appear there only
        # as pseudonymous references.
        "disclosures.view_disclosure",
        "disclosures.view_recipient",
        "disclosures.view_historical*",
        "disclosures.view_compelledrequest",
        "disclosures.view_chainanchor",
        # Consent evidence (P-14): the ledger, the purposes and policy versions as they were.
        "consent.view_consentevent",
        "consent.view_purpose",
        "consent.view_policyversion",
        "consent.view_mailing",
        "consent.view_historical*",
        # Retention: the rules and their history, legal holds (subjects shown by pseudonymous
        # reference), purge runs and account deletions.
        "retention.view_retentionrule",
        "retention.view_legalhold",
        "retention.view_purgerun",
        "retention.view_accountdeletion",
        "retention.view_historical*",
        # Subject requests: the list and pages with subjects as pseudonymous references (no
        # messages, notes, files or what was asked), the deadlines' rules and their history,
        # and the dashboard, to audit that requests are answered in time.
        "subject_requests.view_subjectrequest",
        "subject_requests.view_jurisdiction",
        "subject_requests.view_historicaljurisdiction",
        "subject_requests.view_deadlinerule",
        "subject_requests.view_historicaldeadlinerule",
        # The breach register (people only as counts) and the clocks' rules, with their history.
        "breaches.view_breach",
        "breaches.view_historicalbreach",
        "breaches.view_clockrule",
        "breaches.view_historicalclockrule",
        # Which systems were told of each request, how and when they confirmed (apps/systems).
        "systems.view_propagationtask",
        "systems.view_historicalpropagationtask",
        # Which systems may call the API, with which scopes, and who changed that.
        "api.view_apiclient",
        "api.view_historicalapiclient",
        "api.view_webhooksubscription",
        "api.view_historicalwebhooksubscription",
    ),
}


# What each role may see of personal data, field by field: the registry declares it per
# viewer (apps/personal_data/registry/__init__.py, CATEGORY_VIEWERS); each role is one viewer.
ROLE_VIEWERS: dict[str, Viewer] = {
    PRIVACY_OFFICER: Viewer.OFFICER,
    SUPPORT_AGENT: Viewer.SUPPORT,
    AUDITOR: Viewer.AUDITOR,
}


@dataclass(frozen=True)
class StaffAccess:
    """A staff account's access: its role (a ROLE_PERMISSIONS name, or "" for none) and superuser."""

    role: str
    is_superuser: bool

    def describe(self) -> str:
        role = self.role or "no role"
        return f"{role}, superuser" if self.is_superuser else role


def permission_matches(role: str, app_label: str, codename: str) -> bool:
    key = f"{app_label}.{codename}"
    return any(fnmatch(key, pattern) for pattern in ROLE_PERMISSIONS[role])


# --- Profile pictures --------------------------------------------------------------------------

ALLOWED_IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def reencoded_picture(upload: UploadedFile) -> ContentFile:
    """Check an upload really is a small image and re-encode it.

    Re-encoding drops EXIF and other metadata (camera serials, GPS position) that the
    customer may not know a photo carries.
    """
    if upload.size is None or upload.size > settings.PROFILE_PICTURE_MAX_BYTES:
        raise ValidationError(
            _("The picture is too large: the limit is %(mb)s MB.")
            % {"mb": settings.PROFILE_PICTURE_MAX_BYTES // (1024 * 1024)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in ALLOWED_IMAGE_FORMATS:
            raise ValidationError(_("Use a JPEG, PNG or WebP picture."))
        if width * height > settings.PROFILE_PICTURE_MAX_PIXELS:
            raise ValidationError(_("The picture has too many pixels; use one under 16 megapixels."))
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            clean = image.convert(
                "RGBA" if image_format in {"PNG", "WEBP"} and image.mode in {"RGBA", "LA", "P"} else "RGB"
            )
            out = BytesIO()
            clean.save(out, format=image_format, quality=88) if image_format != "PNG" else clean.save(out, format="PNG")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not a picture we can read. Use a JPEG, PNG or WebP picture.")) from exc
    return ContentFile(out.getvalue(), name=f"picture{ALLOWED_IMAGE_FORMATS[image_format]}")


# --- Public profiles ---------------------------------------------------------------------------


def default_handle_for(user: Any) -> str:
    """For a user (anything with a ``reference`` UUID): a handle that says nothing about them."""
    return f"user-{user.reference.hex[:10]}"


# --- Local time and names ----------------------------------------------------------------------

# Countries that keep one time zone: a customer who has not chosen a zone sees this one.
# Countries with several zones (US, RU, AU, BR, ...) fall back to the organisation's TIME_ZONE.
SINGLE_ZONE_COUNTRIES = {
    "VN": "Asia/Ho_Chi_Minh",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "IT": "Europe/Rome",
    "PL": "Europe/Warsaw",
    "SE": "Europe/Stockholm",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "SG": "Asia/Singapore",
    "TH": "Asia/Bangkok",
    "PH": "Asia/Manila",
    "IN": "Asia/Kolkata",
    "KH": "Asia/Phnom_Penh",
    "LA": "Asia/Vientiane",
    "NZ": "Pacific/Auckland",
}


# Old names browsers still report (Chromium's ICU says Asia/Saigon), and the current name each
# was renamed to. The database keeps both; the portal stores and offers the current one.
RENAMED_TIME_ZONES = {
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
}


def country_choices() -> list[tuple[str, str]]:
    """A country select's choices, named and sorted in the reader's language. Given to a field as
    the function itself, so it runs per form: a list built when the module is imported is in
    English for everyone (Bảo read "Vietnam", not "Việt Nam")."""
    from django_countries import countries

    return [("", "—"), *((code, str(name)) for code, name in countries)]


def current_time_zone_name(zone: str) -> str:
    """A zone's current name: ``Asia/Saigon`` → ``Asia/Ho_Chi_Minh``; others unchanged."""
    return RENAMED_TIME_ZONES.get(zone, zone)


def time_zone_names() -> list[str]:
    """Every zone this machine's time zone database knows, sorted, under its current name only:
    the choices a customer has."""
    return sorted(
        zone
        for zone in available_timezones()
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/")) and zone not in RENAMED_TIME_ZONES
    )


def validate_time_zone(value: str) -> None:
    """A model validator: blank (not chosen) or a zone the database knows."""
    if value and value not in available_timezones():
        raise ValidationError(
            _("“%(zone)s” is not a time zone we know. Choose one from the list, for example Asia/Ho_Chi_Minh."),
            code="unknown_time_zone",
            params={"zone": value[:64]},
        )


def suggested_time_zone(country: str) -> str:
    """The zone to use when the customer chose none: their country's, if it has only one."""
    return SINGLE_ZONE_COUNTRIES.get(str(country or "").upper(), settings.TIME_ZONE)


def time_zone_label(zone: str, *, at: datetime | None = None) -> str:
    """``Asia/Ho_Chi_Minh (GMT+7)``: the zone and its offset from GMT now (or at ``at``); UTC is just UTC."""
    if zone in {"UTC", "Etc/UTC"}:
        return "UTC"
    moment = (at or datetime.now(UTC)).astimezone(ZoneInfo(zone))
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    shown = f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "GMT"
    return f"{zone} ({shown})"


# The commonest Vietnamese family names (together some nine in ten people): a full name that
# starts with one is read family name first even outside Vietnam.
VIETNAMESE_FAMILY_NAMES = frozenset(
    {"nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ", "hồ", "ngô"}
    | {"dương", "lý"}
)


def names_given_last(words: list[str], *, country: str) -> bool:
    """Whether a full name puts the given name last (Vietnamese: Nguyễn Văn Bảo is Bảo): for
    people in Vietnam, and for a name that starts with a common Vietnamese family name. The
    language someone reads is not enough: "Casey Customer" reading Vietnamese is still Casey."""
    return str(country or "").upper() == "VN" or (len(words) > 1 and words[0].lower() in VIETNAMESE_FAMILY_NAMES)


def suggested_preferred_name(full_name: str, *, country: str) -> str:
    """What to call someone who did not say: the given name from their full name."""
    words = (full_name or "").split()
    if not words:
        return ""
    return words[-1] if names_given_last(words, country=country) else words[0]
