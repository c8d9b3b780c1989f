"""The engine's own tables, and core's (core sits below the registry and cannot declare its own)."""

from apps.core.models import Job
from apps.personal_data.models import DataExport, ErasureRun
from apps.personal_data.registry import Category, PersonalField, exempt, register

register(
    DataExport,
    subject="subject",
    purpose="Hand the customer their data (legal obligation: right of access)",
    export=False,  # an export does not contain earlier exports
    fields=[PersonalField("file", Category.CONTENT), PersonalField("record_counts", Category.ACCOUNT)],
)
exempt(
    Job,
    reason="Names its work by kind and row id only; last_error is the failure's type and message, for officers.",
)
exempt(
    ErasureRun,
    reason="Holds the pseudonymous reference and counts only; requested_by is the staff member who acted.",
)
