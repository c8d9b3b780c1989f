"""The proof kept of closed rights requests is anonymised 3 years after they close (issue 14): the
rule is part of the install data (apps/retention/services/install.py)."""

from django.db import migrations

from apps.retention.services.install import install_data_seed


def seed(apps, schema_editor):
    install_data_seed(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("retention", "0006_location_category")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
