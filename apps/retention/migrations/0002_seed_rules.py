"""Seed the retention rules the policies promise (apps/retention/services/install.py)."""

from django.db import migrations

from apps.retention.services.install import install_data_seed


def seed(apps, schema_editor):
    install_data_seed(apps=apps)

class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
