"""Plain rules of marketing email: the unsubscribe token and the List-Unsubscribe headers (P-11, P-12).

Every marketing email carries a visible unsubscribe link and the one-click headers of RFC 8058,
so a mail client's "Unsubscribe" button works without the person signing in. Administrative
mail (verification, security, request updates, policy notices) never carries them: nobody may
opt out of being told about their own account.

A token names the account by its opaque reference and the purpose by its code: nothing a
reader of the URL (or of a forwarded email) learns about the person. It is signed with
SECRET_KEY under its own salt, so no other signed value of the site can stand in for it, and
it does not depend on the password, so a password change leaves old emails' links working.

It never expires, on purpose. A person may click "Unsubscribe" in an email years old, and
mail providers call the one-click address whenever the person presses their button; a link
that had stopped working would make withdrawing harder than consenting was. The most a
leaked token allows is switching marketing *off* for one account, which is the safe side.
Rotating SECRET_KEY would break old links: keep the old key in SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

import uuid
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.urls import reverse

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.consent.models import Purpose

# The salt is part of every token already sent: it keeps the name of the module it was born
# in (consent's marketing module, since split by layer) so links in old emails keep working.
UNSUBSCRIBE_SALT = "apps.consent.marketing.unsubscribe"


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, purpose: Purpose) -> str:
    return _signer().sign_object([user.reference.hex, purpose.code])


def unsubscribe_token_unsign(token: str) -> tuple[uuid.UUID, str] | None:
    """The account reference and purpose code of a genuine token; None for a forged, altered or malformed one."""
    try:
        reference, code = _signer().unsign_object(token)
        reference = uuid.UUID(hex=reference)
    except (signing.BadSignature, TypeError, ValueError, UnicodeError):
        return None
    if not isinstance(code, str):
        return None
    return reference, code


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("consent:unsubscribe", args=[token])


def unsubscribe_mailbox() -> str:
    """The address of the mailto: fallback, at the domain mail is sent from."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"unsubscribe@{domain}"


def list_unsubscribe_headers(token: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with RFC 8058 one-click: the HTTPS address first, mailto second."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(token)}>, <mailto:{unsubscribe_mailbox()}?subject=unsubscribe-{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
