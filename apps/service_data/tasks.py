"""Background work of the service data, as jobs (apps/core/jobs/); loaded by ServiceDataConfig.ready.

content: the stored file of a deleted content item (a customer's deletion or refusal of an
optional kind), tried again with backoff until the storage has deleted it.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.jobs import JobKind, register_job_kind
from apps.service_data.services import content

register_job_kind(
    JobKind(
        name=content.CONTENT_FILE_JOB,
        label=_("Deleting a customer's file"),
        run=lambda target, heartbeat: content.content_file_delete(name=target),
        # A storage that stays away for long: the file is still owed; officers see the job.
        max_attempts=50,
    )
)
