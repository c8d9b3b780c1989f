"""Where the worker's part of a request stands becomes a field (ExecutionState) instead of a
string in the execution record, and the worker's bookkeeping (attempts, re-queues, times the
old reconciler read) goes to the request's background job (apps/core/jobs/). A request the
worker still owed work on gets its job, so the one reconciler sends it on."""

from django.db import migrations, models

BOOKKEEPING = ("state", "attempts", "requeues", "queued_at", "active_at", "requeued_at")


def move_state_to_its_field(apps, schema_editor):
    SubjectRequest = apps.get_model("subject_requests", "SubjectRequest")
    Job = apps.get_model("core", "Job")
    for request in SubjectRequest.objects.exclude(execution={}).only("pk", "execution"):
        record = dict(request.execution or {})
        state = record.get("state") or ""
        attempts = int(record.get("attempts") or 0)
        for key in BOOKKEEPING:
            record.pop(key, None)
        SubjectRequest.objects.filter(pk=request.pk).update(execution=record, execution_state=state)
        if state in ("queued", "running"):
            Job.objects.get_or_create(
                kind="subject_requests.execution",
                target=str(request.pk),
                state="queued",
                defaults={"attempts": attempts, "max_attempts": max(6, attempts + 1)},
            )


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_job"),
        ('subject_requests', '0002_seed_jurisdictions'),
    ]

    operations = [
        migrations.AddField(
            model_name='subjectrequest',
            name='execution_state',
            field=models.CharField(blank=True, choices=[('', 'Not started'), ('queued', 'Queued for the worker'), ('running', 'Being carried out'), ('awaiting_officer', 'Waiting for an officer'), ('failed', 'Failed'), ('gave_up', 'Given up after several tries'), ('done', 'Done')], default='', max_length=20, verbose_name='worker'),
        ),
        migrations.RunPython(move_state_to_its_field, migrations.RunPython.noop),
    ]
