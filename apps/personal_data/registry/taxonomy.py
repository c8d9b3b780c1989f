"""The registry's vocabulary: data categories (with their fideslang leaves), erasure actions,
legal bases, data subjects, and which staff roles may see each category."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Data categories, each mapped to fideslang's ``user.*`` taxonomy (see FIDES_CATEGORY)."""

    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    ACCOUNT = "account", _("Account")
    USAGE = "usage", _("Usage")
    TECHNICAL = "technical", _("Technical")
    CONTENT = "content", _("Content")
    FINANCIAL = "financial", _("Financial")
    PREFERENCES = "preferences", _("Preferences")
    COMMUNICATIONS = "communications", _("Communications")
    LOCATION = "location", _("Location")


# Each category's fideslang leaf, for a field that does not name its own (PersonalField.fides).
# The taxonomy's leaves are the most specific categories it has; a few fields hold a whole
# value made of several leaves (a full name, a postal address written as one text) and name
# that parent instead (FIDES_WHOLE). tests/personal_data/test_processing.py checks every
# field against fideslang's own taxonomy.
FIDES_CATEGORY = {
    Category.IDENTITY: "user.name",
    Category.CONTACT: "user.contact.email",
    Category.ACCOUNT: "system.operations",
    Category.USAGE: "user.behavior.browsing_history",
    Category.TECHNICAL: "user.device.device_id",
    Category.CONTENT: "user.content.private",
    Category.FINANCIAL: "user.payment",
    Category.PREFERENCES: "user.privacy_preferences",
    Category.COMMUNICATIONS: "user.content.private",
    Category.LOCATION: "user.location.precise",
}
# Parents of the taxonomy that a field may name because it holds all of their children at once.
FIDES_WHOLE = frozenset({"user.name", "user.contact.address"})


class Action(models.TextChoices):
    """What erasure does to a field (or, for DELETE_ROW, to the whole row)."""

    DELETE_ROW = "delete_row", _("delete the row")
    NULL = "null", _("set to empty")
    FIXED = "fixed", _("replace with a fixed value")
    PSEUDONYM = "pseudonym", _("replace with the subject's pseudonymous reference")
    KEEP = "keep", _("keep under a legal basis")


class LegalBasis(models.TextChoices):
    """The lawful basis of processing (GDPR Art. 6(1)), plus legal claims for what a hold keeps."""

    CONSENT = "consent", _("consent")
    CONTRACT = "contract", _("performance of a contract")
    LEGAL_OBLIGATION = "legal_obligation", _("legal obligation")
    LEGITIMATE_INTEREST = "legitimate_interest", _("legitimate interests")
    LEGAL_CLAIM = "legal_claim", _("establishment, exercise or defence of legal claims")


class DataSubjects(models.TextChoices):
    """Whom an entry's rows are about (the categories of data subjects of Art. 30(1)(c))."""

    CUSTOMERS = "customers", _("Customers")
    REQUESTERS = "requesters", _("People who exercise their data-protection rights")
    STAFF = "staff", _("Staff")


class Viewer(models.TextChoices):
    """Who among staff may see a personal field in the admin: the field-level view rule.

    The accounts app maps each staff role onto one of these (apps/accounts/domain.py,
    ROLE_VIEWERS); a superuser sees every field. The admin hides a field from everyone
    else (apps/core/admin/visibility.py).
    """

    OFFICER = "officer", _("Privacy officers")
    SUPPORT = "support", _("Support agents")
    AUDITOR = "auditor", _("Auditors")


CUSTOMER_SERVICE = frozenset({Viewer.OFFICER, Viewer.SUPPORT})
OFFICERS_ONLY = frozenset({Viewer.OFFICER})
EVERY_STAFF_ROLE = frozenset(Viewer)

# Who may see each category, unless a field says otherwise (``PersonalField.seen_by``). The
# Auditor reads ledgers and change history, never the customer: no category is theirs, only
# fields declared for them (pseudonymous references). Support helps customers with their
# account, but the words of a rights request and a legal hold's note are for officers.
# Every category is declared here; personal_data.E003 fails a category that is not.
CATEGORY_VIEWERS: dict[str, frozenset[Viewer]] = {
    Category.IDENTITY: CUSTOMER_SERVICE,
    Category.CONTACT: CUSTOMER_SERVICE,
    Category.ACCOUNT: CUSTOMER_SERVICE,
    Category.USAGE: CUSTOMER_SERVICE,
    Category.TECHNICAL: CUSTOMER_SERVICE,
    Category.CONTENT: CUSTOMER_SERVICE,
    Category.FINANCIAL: OFFICERS_ONLY,
    Category.PREFERENCES: CUSTOMER_SERVICE,
    Category.COMMUNICATIONS: OFFICERS_ONLY,
    # Where a person was is officers' business only (a support agent never needs it).
    Category.LOCATION: OFFICERS_ONLY,
}
