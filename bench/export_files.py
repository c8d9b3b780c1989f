"""Benchmark: exporting a customer's stored files, against copying the same files into a ZIP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/privacy_portal_bench \\
        .venv/bin/python bench/export_files.py [--files 20] [--mb 50]

The subject gets ``files`` content items of ``mb`` megabytes each (random bytes, as video
is: it does not compress), written to the content storage. Then, in the same run:
  engine  apps.personal_data.export.run.export_run: the whole export (index.html, JSON, CSV,
          manifest), every file streamed into the ZIP and checked against the CRC-32 and
          size recorded at upload (the manifest then gives the SHA-256 recorded at upload),
          the manifest hashed, the archive saved to private storage
  floor   zipfile copying the same files from the same storage into a ZIP (ZIP_STORED, as
          the engine stores media), with nothing else
  hashed  for comparison, the same copy computing two SHA-256s as the bytes pass (each
          file's, and the whole archive's): what the engine did before it checked the
          copies against the upload's CRC-32 and digested the manifest instead
and the engine's Python heap peak (tracemalloc) on a second run: it must stay flat however
large the files are. Each side runs ``--runs`` times, alternating, and the best time counts:
both read the files from a warm page cache, and a busy machine's noise falls on both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
import zipfile
import zlib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='portal-bench-')}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.core.actors import SystemActor  # noqa: E402
from apps.personal_data.export.run import _temp_dir, export_request, export_run  # noqa: E402
from apps.personal_data.models import DataExport  # noqa: E402
from apps.service_data.models import ContentItem  # noqa: E402

CHUNK = 1024 * 1024


def make_subject(files: int, megabytes: int) -> User:
    for old in ContentItem.objects.filter(owner__email="export-files-bench@bench.example"):
        old.file.delete(save=False)
    User.objects.filter(email="export-files-bench@bench.example").delete()
    user = User.objects.create(email="export-files-bench@bench.example", full_name="Export Files Bench")
    storage = ContentItem._meta.get_field("file").storage
    block = os.urandom(CHUNK)
    for number in range(files):
        # Recorded as an upload records them (services/content.py), not timed.
        digest, crc = hashlib.sha256(), 0
        item = ContentItem(owner=user, kind=ContentItem.Kind.VIDEO, title=f"Video {number}")
        name = storage.get_available_name(ContentItem._meta.get_field("file").generate_filename(item, "clip.mp4"))
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            for piece in range(megabytes):
                # Different bytes in every chunk of every file (no compressor or cache could
                # take a shortcut), cheaply: the random block with a counter in front.
                data = f"{number}:{piece}:".encode().ljust(32) + block[32:]
                handle.write(data)
                digest.update(data)
                crc = zlib.crc32(data, crc)
        item.file.name = name
        item.original_name = f"holiday clip {number}.mp4"
        item.content_type = "video/mp4"
        item.size = path.stat().st_size
        item.sha256, item.crc32 = digest.hexdigest(), crc
        item.save()
    return user


def floor(user: User) -> float:
    """Copy the same files, from the same storage, into a ZIP file in the directory the engine
    writes its archive to: the least an export must do."""
    handle, path = tempfile.mkstemp(prefix="floor-", suffix=".zip", dir=_temp_dir())
    os.close(handle)
    try:
        started = time.perf_counter()
        with open(path, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            for item in ContentItem.objects.filter(owner=user).order_by("pk"):
                with item.file.open("rb") as source, archive.open(f"files/{item.original_name}", "w") as target:
                    shutil.copyfileobj(source, target, CHUNK)
        return time.perf_counter() - started
    finally:
        os.unlink(path)


def settled(side):
    """Run one side after the page cache has written back what the previous side wrote: a
    gigabyte of dirty pages left by one side would otherwise slow the next one's writes."""
    os.sync()
    return side()


def floor_hashed(user: User) -> float:
    """The same copy computing each file's SHA-256 and the whole archive's as the bytes pass:
    what the engine's checksums cost before (for comparison; the floor is ``floor``)."""
    started = time.perf_counter()
    archive_digest = hashlib.sha256()

    class Hashed:  # an unseekable output hashing what passes, as the engine's does
        def __init__(self, raw):
            self.raw, self.size = raw, 0

        def write(self, data):
            archive_digest.update(data)
            self.size += len(data)
            return self.raw.write(data)

        def tell(self):
            return self.size

        def flush(self):
            pass

    with tempfile.TemporaryFile() as out, zipfile.ZipFile(Hashed(out), "w", zipfile.ZIP_STORED) as archive:
        for item in ContentItem.objects.filter(owner=user).order_by("pk"):
            digest = hashlib.sha256()
            with item.file.open("rb") as source, archive.open(f"files/{item.original_name}", "w") as target:
                while block := source.read(CHUNK):
                    digest.update(block)
                    target.write(block)
    return time.perf_counter() - started


def engine(user: User) -> tuple[float, DataExport]:
    export = export_request(subject=user, actor=SystemActor("bench"), enqueue=False)
    started = time.perf_counter()
    export = export_run(export_id=export.pk)
    seconds = time.perf_counter() - started
    if export.status != DataExport.Status.READY:
        raise SystemExit(f"FAIL: the export ended {export.status}: {export.last_error}")
    return seconds, export


def _checked(export: DataExport) -> dict[str, int]:
    """How many files' digests the manifest gives by each way of checking them."""
    with export.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        if hashlib.sha256(archive.read("manifest.json")).hexdigest() != export.manifest_sha256:
            raise SystemExit("FAIL: the export's digest is not its manifest's")
    return dict(Counter(f["checked"] for f in manifest["stored_files"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--mb", type=int, default=50, help="megabytes per file")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side; the best counts")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)
    user = make_subject(args.files, args.mb)
    total = args.files * args.mb

    engine_times, floor_times, hashed_times = [], [], []
    for run in range(args.runs):
        # Each side after a settled page cache, and the order turned each run, so neither side
        # pays for the other's writes.
        sides = ["floor", "hashed", "engine"]
        for side in sides[run % 3 :] + sides[: run % 3]:
            if side == "floor":
                floor_times.append(settled(lambda: floor(user)))
            elif side == "hashed":
                hashed_times.append(settled(lambda: floor_hashed(user)))
            else:
                seconds, export = settled(lambda: engine(user))
                engine_times.append(seconds)
        size = export.size_bytes
        included = sum(1 for name in export.record_counts if name.startswith("files/"))
        checked = _checked(export)
        export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).delete()
    if included != args.files:
        raise SystemExit(f"FAIL: {included} of {args.files} files in the export")
    if checked != {"upload": args.files}:
        raise SystemExit(f"FAIL: the files' digests were not all checked against the upload's: {checked}")

    tracemalloc.start()
    _, export = engine(user)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    export.file.delete(save=False)
    DataExport.objects.filter(pk=export.pk).delete()

    for item in ContentItem.objects.filter(owner=user):  # a gigabyte is not left behind
        item.file.delete(save=False)

    engine_best, floor_best = min(engine_times), min(floor_times)
    runs = {"engine": engine_times, "floor": floor_times, "hashed": hashed_times}
    runs = {side: ", ".join(f"{t:.2f}" for t in times) for side, times in runs.items()}
    zipped = size / 2**20
    print(f"database: {connection.vendor}; files: {args.files} x {args.mb} MB = {total:,} MB; ZIP {zipped:,.0f} MB")
    print(f"engine: {engine_best:7.2f}s ({total / engine_best:,.0f} MB/s)   runs: {runs['engine']}")
    print(f"floor (zipfile copy of the same files): {floor_best:7.2f}s   runs: {runs['floor']}")
    print(f"ratio engine/floor: {engine_best / floor_best:.2f}x   (target: within 1.5x)")
    hashed_best = min(hashed_times)
    before = "for comparison, the copy with two SHA-256 passes (the engine before)"
    print(f"{before}: {hashed_best:7.2f}s   runs: {runs['hashed']}")
    print(f"engine Python heap peak: {peak / 2**20:.1f} MB for {total:,} MB of files (target: flat, a few MB)")


if __name__ == "__main__":
    main()
