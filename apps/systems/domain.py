"""Words and rules of apps/systems shared by its layers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.subject_requests.models import RequestType

# The core outbox's endpoint kind for systems' webhooks (apps/core/webhooks/).
ENDPOINT = "systems.system"
# The job that emails a system its instructions (apps/core/jobs/).
INSTRUCTIONS_JOB = "systems.instructions"

# The requests that must reach other systems, and what each asks of them.
ACTIONS: dict[str, str] = {
    RequestType.ERASURE: "erase",
    RequestType.RECTIFICATION: "rectify",
    RequestType.RESTRICTION: "restrict",
    RequestType.OBJECTION: "object",
}
ACTION_LABELS = {
    "erase": _("Erase the person's data"),
    "rectify": _("Correct the person's data"),
    "restrict": _("Restrict processing of the person's data"),
    "object": _("Stop processing the person's data for the purposes objected to"),
    "test": _("Test event: do nothing"),
}
# What a system may answer (the callback, the email link, an officer's tick).
ANSWERS = ("done", "nothing_held", "failed")
# Reminders go to a silent system's privacy contact this long before its deadline.
REMIND_BEFORE_DAYS = 2
