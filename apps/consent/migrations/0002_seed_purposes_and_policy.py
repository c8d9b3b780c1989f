"""Seed the purposes and the first policy version (apps/consent/services/install.py)."""

from django.db import migrations

from apps.consent.services.install import install_data_seed


def seed(apps, schema_editor):
    install_data_seed(apps=apps)

class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
