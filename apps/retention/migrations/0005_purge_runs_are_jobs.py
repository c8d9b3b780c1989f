"""A purge run is a background job (apps/core/jobs/): its lease and attempts are the job's.
A run still marked running gets its job, so the next purge (or the reconciler) resumes it."""

from django.db import migrations


def give_running_runs_a_job(apps, schema_editor):
    Job = apps.get_model("core", "Job")
    PurgeRun = apps.get_model("retention", "PurgeRun")
    for pk, attempts in PurgeRun.objects.filter(status="running").values_list("pk", "attempts"):
        Job.objects.get_or_create(
            kind="retention.purge",
            target=str(pk),
            state="queued",
            defaults={"attempts": attempts, "max_attempts": max(5, attempts + 1)},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job"),
        ("retention", "0004_seed_unconfirmed_requests"),
    ]

    operations = [
        migrations.RunPython(give_running_runs_a_job, migrations.RunPython.noop),
        migrations.RemoveField(model_name="purgerun", name="attempts"),
        migrations.RemoveField(model_name="purgerun", name="lease_expires_at"),
        migrations.RemoveField(model_name="purgerun", name="lease_owner"),
    ]
