"""Seed the retention rules of the service's data (apps/service_data/services/install.py)."""

from django.db import migrations

from apps.service_data.services.install import install_data_seed


def seed(apps, schema_editor):
    install_data_seed(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("service_data", "0001_initial"), ("retention", "0006_location_category")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
