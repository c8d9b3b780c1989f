"""Seed the jurisdictions and their deadlines as they were first written.

The seed lived in services/install.py; once deadlines became dated rule versions (0004) the
live seed no longer fits this migration's models, so the values of that time are kept here.
"""

from django.db import migrations

from apps.subject_requests.migrations._seed_0002 import COUNSEL, JURISDICTIONS


def seed(apps, schema_editor):
    Jurisdiction = apps.get_model("subject_requests", "Jurisdiction")
    for values in JURISDICTIONS:
        Jurisdiction.objects.update_or_create(code=values["code"], defaults={**values, "counsel_note": COUNSEL})


class Migration(migrations.Migration):
    dependencies = [("subject_requests", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
