"""The engine's own tables."""

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
    ErasureRun,
    reason="Holds the pseudonymous reference and counts only; requested_by is the staff member who acted.",
)
