"""Private object storage: S3-compatible (AWS S3, MinIO, Ceph, …) through django-storages.

Used for customers' files in production when a bucket is configured (config/settings/
production.py, CONTENT_STORAGE_BUCKET). Two differences from django-storages' own S3Storage:

- nothing links into the bucket: ``url()`` names a path the portal never serves, as the
  filesystem storages do ("/private-not-served/"), so a template or the admin cannot hand
  out a presigned link by accident. Files reach people only through access-checked views.
- a storage that is away (connection refused, timeout, a 5xx) raises ``OSError``, like a
  filesystem that is away: the erasure engine and the optional-kind refusal keep a file they
  could not delete and try again later (apps/personal_data/erasure/batches.delete_stored_files
  catches OSError), instead of failing on a library's own exception types.
"""

from __future__ import annotations

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage

NOT_SERVED = "/private-not-served/"


class StorageUnavailable(OSError):
    """The object storage did not answer, or answered with an error."""


class PrivateS3Storage(S3Storage):
    def get_default_settings(self) -> dict:
        defaults = super().get_default_settings()
        # Objects are private; no name is ever reused (content_path draws a random one).
        # A file opened for reading is buffered in a temporary file past 8 MB, not in memory
        # (django-storages' default of 0 keeps the whole object in RAM: a 2 GB video per download).
        defaults.update(
            {"default_acl": "private", "file_overwrite": False, "querystring_auth": True, "max_memory_size": 8 << 20}
        )
        return defaults

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:  # type: ignore[override]
        return NOT_SERVED + filepath_to_uri(name)

    def delete(self, name: str) -> None:
        try:
            super().delete(name)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"object storage could not delete {name}: {exc}") from exc

    def _open(self, name, mode="rb"):
        try:
            opened = super()._open(name, mode)
            if "r" in mode:
                # django-storages fetches the object on first use; fetch it here, so a storage
                # that is away answers now, as OSError, not later inside a response.
                opened.file  # noqa: B018
            return opened
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"object storage could not open {name}: {exc}") from exc

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            raise StorageUnavailable(f"object storage could not save {name}: {exc}") from exc

    def exists(self, name: str) -> bool:
        try:
            return super().exists(name)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"object storage could not look up {name}: {exc}") from exc
