"""Seed each jurisdiction's breach clocks (apps/breaches/services/install.py; verify with counsel)."""

from django.db import migrations


def seed(apps, schema_editor):
    from apps.breaches.services.install import install_data_seed

    install_data_seed(apps)


class Migration(migrations.Migration):
    dependencies = [("breaches", "0001_breach_register"), ("subject_requests", "0004_deadline_rule_versions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
