"""Data-subject requests (P-30, P-31): every right, every channel, with legal deadlines.

A request is one person exercising one right. Its deadlines come from its jurisdiction's
rule (``Jurisdiction``, data seeded from the laws and editable by officers); its life is a
status changed only by the services (services/), each change recorded by simple-history
with the actor and reason, so the history is the request's timeline.
"""

from apps.subject_requests.models.jurisdictions import MAX_AMOUNT, DeadlineRule, Jurisdiction
from apps.subject_requests.models.requests import (
    RequestAttachment,
    RequestMessage,
    SubjectRequest,
    attachment_path,
)
from apps.subject_requests.models.types import IMMEDIATE_TYPES, ExecutionState, RequestType

__all__ = [
    "IMMEDIATE_TYPES",
    "MAX_AMOUNT",
    "DeadlineRule",
    "ExecutionState",
    "Jurisdiction",
    "RequestAttachment",
    "RequestMessage",
    "RequestType",
    "SubjectRequest",
    "attachment_path",
]
