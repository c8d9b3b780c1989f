"""The rights a request can exercise, and where its worker stands."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestType(models.TextChoices):
    ACCESS = "access", _("Access to my data")
    PORTABILITY = "portability", _("A portable copy of my data")
    RECTIFICATION = "rectification", _("Correct my data")
    ERASURE = "erasure", _("Erase my data")
    RESTRICTION = "restriction", _("Restrict processing")
    OBJECTION = "objection", _("Object to processing")
    WITHDRAWAL = "withdrawal", _("Withdraw consent")
    COMPLAINT = "complaint", _("Complaint")
    STOP_PROCESSING = "stop_processing", _("Stop processing my data")


# Types that take effect at once, without an officer: an objection to direct marketing is
# absolute, and withdrawing consent must be as easy as giving it.
IMMEDIATE_TYPES = {RequestType.WITHDRAWAL, RequestType.OBJECTION}


class ExecutionState(models.TextChoices):
    """Where the worker's part of a request stands (its job's lease, attempts and retries are
    the job machinery's: apps/core/jobs/)."""

    NOT_STARTED = "", _("Not started")
    QUEUED = "queued", _("Queued for the worker")
    RUNNING = "running", _("Being carried out")
    AWAITING_OFFICER = "awaiting_officer", _("Waiting for an officer")
    # The portal's part is done; processors and recipients told have not all confirmed (apps/systems).
    AWAITING_SYSTEMS = "awaiting_systems", _("Waiting for other systems to confirm")
    FAILED = "failed", _("Failed")
    GAVE_UP = "gave_up", _("Given up after several tries")
    DONE = "done", _("Done")
