"""The database cache's table, made by ``migrate`` like every other table.

The embedded default keeps its cache (allauth's rate limits among it) in the database;
without this, a deployer who runs ``manage.py migrate`` and nothing else meets "no such
table: django_cache" on the first sign-in. Other cache backends make this a no-op.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
