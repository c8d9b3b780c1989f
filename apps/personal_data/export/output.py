"""Where the ZIP is written while it is built: a temporary file, hashed and measured on the
way, then handed to storage by moving it rather than copying it.

An export with a gigabyte of files must stay close to the cost of copying those files into a
ZIP (bench/export_files.py). Two things would double it: reading the finished archive back
to hash it, and copying it once more into storage. So the archive is hashed as it is
written, by a thread of its own (hashlib and file writes release the GIL, so hashing the
archive overlaps with reading and hashing each customer file in the building thread), and a
filesystem storage receives the temporary file as an upload it may move into place (set
PERSONAL_DATA_EXPORT_TEMP_DIR on the storage's filesystem to make that move a rename).

The stream is write-only and unseekable on purpose: ``zipfile`` then writes each entry's
sizes after its data (data descriptors) instead of seeking back, so every byte is written
once, in order, and hashed once.
"""

from __future__ import annotations

import hashlib
import os
import queue
import tempfile
import threading

from django.core.files import File

# Chunks in flight between the builder and the writing thread: bounded, so the heap holds a
# few megabytes at most however large the archive.
DEPTH = 3
CHUNK = 1024 * 1024


class HashingOutput:
    """A write-only stream over ``raw`` that counts and SHA-256-hashes what passes through,
    in a writing thread of its own. ``close()`` waits for it and raises its error, if any."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=DEPTH)
        self._error: BaseException | None = None
        self._buffer = bytearray()
        self._thread = threading.Thread(target=self._drain, name="export-output", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep taking chunks so the builder never blocks; close() raises
            try:
                self.digest.update(data)
                self.raw.write(data)
            except BaseException as exc:  # handed to the building thread
                self._error = exc

    def write(self, data) -> int:
        if self._error is not None:
            raise self._error
        size = len(data)
        if not size:
            return 0
        # zipfile hands over many small pieces (headers, deflated output): gathered into
        # chunks, so the thread is woken once a chunk, not once a piece. A buffer a caller
        # may reuse is copied (extend copies; a large piece is copied by bytes()).
        if size >= CHUNK and not self._buffer:
            self._queue.put(data if isinstance(data, bytes) else bytes(data))
        else:
            self._buffer += data
            if len(self._buffer) >= CHUNK:
                self._send()
        self.size += size
        return size

    def _send(self) -> None:
        if self._buffer:
            self._queue.put(bytes(self._buffer))
            self._buffer.clear()

    def tell(self) -> int:
        return self.size

    def seek(self, *args) -> int:
        raise OSError("the export's output is written once, in order")

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self._thread.is_alive():
            if self._error is None:
                self._send()
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    @property
    def hexdigest(self) -> str:
        return self.digest.hexdigest()


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
