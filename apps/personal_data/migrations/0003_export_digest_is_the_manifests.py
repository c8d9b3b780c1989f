"""An export's digest is now the SHA-256 of its manifest.json (which lists every file in the
archive with its SHA-256, size and CRC-32), no longer a SHA-256 of the whole archive: the
second pass over every byte cost more than copying a gigabyte of files into the ZIP.

A new field, not a rename: the digests already recorded are of whole archives, and would be
wrong under the new name. Those exports expire within 7 days; until then their digest is
blank."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("personal_data", "0002_attempts_are_the_jobs"),
    ]

    operations = [
        migrations.RemoveField(model_name="dataexport", name="sha256"),
        migrations.AddField(
            model_name="dataexport",
            name="manifest_sha256",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
