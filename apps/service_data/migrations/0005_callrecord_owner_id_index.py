"""An index on a customer's calls in key order, (owner, id): erasure and the purge take a
customer's calls in keyset batches (``id > last``, up to a bound found with ORDER BY id), and
without it PostgreSQL sorted all of the customer's remaining calls for every batch.

The call table is the largest of the service (ten per customer in the demo's proportions),
so on PostgreSQL the index is built CONCURRENTLY: writes to calls go on meanwhile. That
cannot run in a transaction, hence ``atomic = False``."""

from django.conf import settings
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.index.name)
            schema_editor.remove_index(model, index, concurrently=True)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("service_data", "0004_content_crc32_recorded_at_upload"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="callrecord",
            index=models.Index(fields=["owner", "id"], name="service_dat_owner_i_12af6c_idx"),
        ),
    ]
