"""The export engine: one subject's data, from the registry, as a ZIP in private storage.

The archive (README, "The personal-data registry"):

* ``index.html``: a page a person can read, in their own language, saying what each file
  holds, who the controller is and what was left out and why;
* ``<category>.json``: one file per registry category, holding, for every exported entry
  with fields in that category, the subject's rows (registered personal fields only, plus
  the row's opaque ``reference`` where it has one; never integer ids);
* ``tables/<app>_<model>.csv``: every exported field of tabular entries (login history,
  sessions, follows...), for spreadsheets;
* ``files/<app>_<model>/<name>``: the subject's stored files (every registered, exported file
  field), under the name they gave each one, copied from storage in chunks (``files``);
* ``manifest.json``: controller, time, pseudonymous subject reference, categories, the
  record count, sha256, size and CRC-32 of every other file, and every stored file included
  or missing (its SHA-256 is ``DataExport.manifest_sha256``).

Memory stays flat however many rows a subject has: rows are read with
``values_list().iterator(chunk_size=...)``, foreign keys are resolved one chunk at a time,
and every file is written incrementally into its ZIP entry, the ZIP itself going to a
temporary file that is then saved to the default (private) storage.

Later apps add notes about records they withhold (e.g. disclosures kept from the subject
under an exemption) by appending a provider to ``EXPORT_NOTES``, and tables of records that
are not registry rows (e.g. the disclosure register, filtered for the subject) by appending
a provider to ``EXPORT_TABLES`` (both in apps/personal_data/registry/export.py): each table becomes
``<stem>.json`` and ``tables/<stem>.csv``.

The steps, one module each:

* ``tables``: the subject's rows of each exported registry entry;
* ``files``: the subject's stored files, streamed into the ZIP;
* ``output``: where the ZIP is written, then moved into storage;
* ``index``: the readable ``index.html``;
* ``archive``: the ZIP, file by file, with its manifest;
* ``run``: request (with its background job), build and store, expire, mark failed when the job gives up;
* ``download``: the signed download link and who may use it.
"""
