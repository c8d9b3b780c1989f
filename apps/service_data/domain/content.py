"""What a customer's upload really is, and which types each kind of content accepts.

The type comes from the bytes, never from the file's name or the browser's claim: a page
renamed ``holiday.jpg`` is refused as an image. ``filetype`` (pure Python, no libmagic, its
matchers tell DOCX from ODT from a bare ZIP and WebM from Matroska) reads the signature;
three checks of our own finish what a signature cannot tell:

- plain text has no signature: it must be UTF-8 without NUL or control bytes, checked over
  the whole file while it is hashed (``TextCheck``), not only its first bytes;
- DOCX and ODT are ZIP archives: the archive's own directory must name the document's part
  (``word/document.xml``; ODT's ``mimetype`` entry), so any other ZIP is refused;
- an Ogg file must start with an audio codec's header (Opus, Vorbis, Speex, FLAC): Ogg also
  carries video.
"""

from __future__ import annotations

import codecs
import zipfile
from typing import IO

import filetype

# Enough for every signature filetype knows (it reads at most 8 KiB itself).
HEAD_BYTES = 8192

PDF = "application/pdf"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

# Kind (ContentItem.Kind values) → accepted content type → the extension the stored name gets.
ALLOWED_TYPES: dict[str, dict[str, str]] = {
    "document": {PDF: ".pdf", TEXT: ".txt", ODT: ".odt", DOCX: ".docx"},
    "image": {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"},
    "video": {"video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov"},
    "voice_clip": {
        "audio/mpeg": ".mp3",
        "audio/ogg": ".ogg",
        "audio/wav": ".wav",
        "audio/mp4": ".m4a",
        "audio/webm": ".webm",
    },
}

# How people know these types, for the "we accept …" messages.
TYPE_NAMES = {
    PDF: "PDF",
    TEXT: "plain text",
    ODT: "ODT",
    DOCX: "DOCX",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/gif": "GIF",
    "video/mp4": "MP4",
    "video/webm": "WebM",
    "video/quicktime": "QuickTime",
    "audio/mpeg": "MP3",
    "audio/ogg": "Ogg (Opus, Vorbis)",
    "audio/wav": "WAV",
    "audio/mp4": "M4A",
    "audio/webm": "WebM audio",
}

# filetype's names for a few types, and ours.
_ALIASES = {"audio/x-wav": "audio/wav", "audio/x-m4a": "audio/mp4"}
_ZIP_FAMILY = {"application/zip", DOCX, ODT}
_OGG_AUDIO_HEADERS = (b"OpusHead", b"\x01vorbis", b"Speex   ", b"\x7fFLAC")
_TEXT_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def detect_type(head: bytes, stream: IO[bytes] | None = None) -> str | None:
    """The content type of a file from its first bytes (``head``); ``stream``, seekable, lets
    a ZIP's directory be read. None for anything we cannot name."""
    guess = filetype.guess(head)
    if guess is None:
        return TEXT if looks_like_text(head) else None
    mime = _ALIASES.get(guess.mime, guess.mime)
    if mime in _ZIP_FAMILY:
        return _office_document(stream) if stream is not None else None
    if mime == "audio/ogg" and not _ogg_audio(head):
        return None
    return mime


def type_for_kind(kind: str, detected: str | None) -> str | None:
    """The content type ``kind`` keeps a file of ``detected`` type under, or None if refused.

    A browser records voice in WebM (MediaRecorder): the container says "video", the kind
    says it is a voice clip, and it is served as audio.
    """
    if detected is None:
        return None
    if kind == "voice_clip" and detected == "video/webm":
        detected = "audio/webm"
    return detected if detected in ALLOWED_TYPES.get(kind, {}) else None


def accepted_names(kind: str) -> str:
    return ", ".join(TYPE_NAMES[t] for t in ALLOWED_TYPES[kind])


def looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    try:
        # The first bytes may end inside a character: a final, incomplete one is fine.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not any(ord(ch) in _TEXT_CONTROL for ch in text)


class TextCheck:
    """Fed the whole file chunk by chunk: is it UTF-8 text from the first byte to the last?"""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.ok = True

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if not self.ok:
            return
        try:
            text = self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.ok = False
            return
        if any(ord(ch) in _TEXT_CONTROL for ch in text):
            self.ok = False


def _office_document(stream: IO[bytes]) -> str | None:
    position = stream.tell()
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].strip()
                return ODT if declared == ODT.encode() and "content.xml" in names else None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, OSError, ValueError):
        return None
    finally:
        stream.seek(position)


def _ogg_audio(head: bytes) -> bool:
    # The first page's first packet follows its segment table (27-byte header + table).
    if len(head) < 28 or not head.startswith(b"OggS"):
        return False
    start = 27 + head[26]
    return head[start : start + 8].startswith(_OGG_AUDIO_HEADERS)
