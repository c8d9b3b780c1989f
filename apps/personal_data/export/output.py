"""Where the ZIP is written while it is built: a temporary file, then handed to storage by
moving it rather than copying it.

An export with a gigabyte of files must stay close to the cost of copying those files into a
ZIP (bench/export_files.py). Copying the finished archive once more into storage would
double it, so a filesystem storage receives the temporary file as an upload it may move into
place (set PERSONAL_DATA_EXPORT_TEMP_DIR on the storage's filesystem to make that move a
rename). Nothing hashes the archive as a whole: its manifest lists every file's digest, and
the manifest's own digest is the export's (export/archive.py).
"""

from __future__ import annotations

import os
import tempfile

from django.core.files import File


class SpooledArchive(File):
    """The finished temporary file as storage sees it: FileSystemStorage moves a file that
    has a ``temporary_file_path`` (as it does an upload) instead of copying its bytes; other
    storages read it in chunks. Close it after saving."""

    def __init__(self, path: str) -> None:
        super().__init__(open(path, "rb"), name=os.path.basename(path))  # noqa: SIM115
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def temporary_path(directory: str | None) -> str:
    """A new empty temporary file for the archive; the caller removes it if it is not moved."""
    handle, path = tempfile.mkstemp(prefix="export-", suffix=".zip", dir=directory)
    os.close(handle)
    return path
