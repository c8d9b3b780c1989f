"""Text an export keeps aside until its ZIP entry is written (a ZIP takes one entry at a time)."""

from __future__ import annotations

import codecs
import tempfile

# Each spool stays in memory up to this size, then goes to a temporary file: a few dozen are
# open at once while an export reads its tables, so memory stays a few megabytes.
SPOOL_MEMORY = 256 * 1024


class Spool:
    """Text kept aside until its ZIP entry is written, counted in records.

    Pieces are gathered in a list and handed to the temporary file in chunks: a file write per
    record would cost more than the record itself."""

    BUFFER = 64 * 1024

    def __init__(self) -> None:
        # Bytes: encoded once here, copied into the ZIP entry as they are (no decoding back).
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, mode="w+b")  # noqa: SIM115
        self.records = 0
        self._parts: list[str] = []
        self._pending = 0

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._pending += len(text)
        if self._pending >= self.BUFFER:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._parts:
            self.file.write("".join(self._parts).encode())
            self._parts.clear()
            self._pending = 0

    def mark(self) -> int:
        """Where the text written so far ends (a place ``copy_to`` can start or stop at)."""
        self.flush()
        return self.file.seek(0, 2)

    def copy_to(self, sink, start: int = 0, end: int | None = None, *, last: bool = True) -> None:
        """Hand the text (or the part from ``start`` to ``end``, two ``mark``s) to ``sink``: to its
        ``write_bytes`` (UTF-8, as kept) where it has one. The spool is closed after its ``last`` copy."""
        self.flush()
        if end is None:
            end = self.file.seek(0, 2)
        self.file.seek(start)
        write = getattr(sink, "write_bytes", None)
        if write is None:  # a text sink: decoded on the way (a chunk may end inside a character)
            decoder = codecs.getincrementaldecoder("utf-8")()
            write = lambda chunk: sink.write(decoder.decode(chunk))  # noqa: E731
        left = end - start
        while left > 0 and (chunk := self.file.read(min(left, 1024 * 1024))):
            write(chunk)
            left -= len(chunk)
        if last:
            self.file.close()
