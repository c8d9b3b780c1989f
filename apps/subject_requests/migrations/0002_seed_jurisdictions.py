"""Seed the jurisdictions and their deadlines (apps/subject_requests/services/install.py)."""

from django.db import migrations

from apps.subject_requests.services.install import install_data_seed


def seed(apps, schema_editor):
    install_data_seed(apps=apps)

class Migration(migrations.Migration):
    dependencies = [("subject_requests", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
