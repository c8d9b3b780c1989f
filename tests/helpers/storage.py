"""A real file storage that is briefly away: its first ``fail_deletes`` deletes raise, as an
object store that times out would; after that it deletes like FileSystemStorage."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class StorageUnavailable(Exception):
    """Not an OSError, like the errors of an object store's client library (botocore's)."""


class FlakyStorage(FileSystemStorage):
    def __init__(self, *args, fail_deletes: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fail_deletes = fail_deletes
        self.failed = 0

    def delete(self, name: str) -> None:
        if self.failed < self.fail_deletes:
            self.failed += 1
            raise StorageUnavailable(f"storage unavailable (failure {self.failed} of {self.fail_deletes})")
        super().delete(name)
