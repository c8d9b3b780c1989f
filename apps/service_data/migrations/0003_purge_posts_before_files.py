"""The purge takes shared posts before the files they point at (services/install.py): the
order of the two seeded rules, changed where an install still has them as seeded."""

from django.db import migrations

ORDER = {"service-shared-posts": (110, 100), "service-content": (100, 110)}


def swap(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for code, (seeded, now) in ORDER.items():
        RetentionRule.objects.filter(code=code, order=seeded).update(order=now)


class Migration(migrations.Migration):
    dependencies = [("service_data", "0002_billing_seed_rules")]

    operations = [migrations.RunPython(swap, migrations.RunPython.noop)]
