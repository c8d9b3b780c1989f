"""Erasures and exports are carried out as background jobs (apps/core/jobs/): their attempts
are counted there. Runs under way when this migration runs get their job, with the attempts
they already had, so the one reconciler sends them on and nothing is left behind."""

from django.db import migrations


def give_runs_under_way_a_job(apps, schema_editor):
    Job = apps.get_model("core", "Job")
    ErasureRun = apps.get_model("personal_data", "ErasureRun")
    DataExport = apps.get_model("personal_data", "DataExport")
    under_way = [
        ("personal_data.erasure", 10, ErasureRun.objects.filter(status__in=["pending", "running"], dry_run=False)),
        ("personal_data.export", 5, DataExport.objects.filter(status__in=["pending", "running"])),
    ]
    for kind, max_attempts, rows in under_way:
        for pk, attempts in rows.values_list("pk", "attempts"):
            Job.objects.get_or_create(
                kind=kind,
                target=str(pk),
                state="queued",
                defaults={"attempts": attempts, "max_attempts": max(max_attempts, attempts + 1)},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job"),
        ("personal_data", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(give_runs_under_way_a_job, migrations.RunPython.noop),
        migrations.RemoveField(model_name="dataexport", name="attempts"),
        migrations.RemoveField(model_name="erasurerun", name="attempts"),
    ]
