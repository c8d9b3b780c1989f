"""Requests from the public form that nobody confirmed expire after 7 days, with the identity
data they gave (P-31): the rule is part of the install data (apps/retention/services/install.py)."""

from django.db import migrations

from apps.retention.services.install import install_data_seed


def seed(apps, schema_editor):
    install_data_seed(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("retention", "0003_deletion_status_label")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
