"""The erasure engine: one subject's personal data, table by table, from the registry.

How it works (README, "The personal-data registry"):

* For each registered table, in ``registry.entries()`` order (rows pointing at other rows
  first), the subject's rows are selected in keyset batches (``pk > last pk``, settings
  ``PERSONAL_DATA_ERASURE_BATCH_SIZE``, doubling while batches stay quick up to
  ``PERSONAL_DATA_ERASURE_BATCH_MAX``) and deleted or anonymised with one set-based
  statement per batch. Each batch is one short transaction that also scrubs the matching
  simple-history rows and saves the checkpoint (``ErasureRun.progress``), so a worker
  killed at any point resumes exactly where the last committed batch ended, and the counts
  in the certificate are the same as those of an uninterrupted run.
* Every batch transaction starts by locking the run row and re-reading the checkpoint, so
  two deliveries of the same task (at-least-once delivery, or the stuck-run reconciler)
  never process a batch twice.
* After the live rows, history rows of rows that no longer exist (e.g. a profile the
  subject deleted long ago) are handled the same way.
* Legal holds (hold providers in apps/personal_data/registry/holds.py) and registered KEEP
  fields are kept and listed in the certificate.
* Stored files of erased rows (and of their history rows) are deleted after each batch's
  commit; one storage could not delete stays pending, and the run with it (FilesPending,
  its job tried again later), until it is gone. The certificate lists per table how many
  files went and a hash of each stored name.

Status: COMPLETED when everything was erased except registered KEEP fields (a standing,
published policy with a legal basis, listed in the certificate); PARTIAL when a legal hold
kept anything (a subject-specific exception an officer must follow up when the hold lifts).

The steps, one module each:

* ``plan``: what erasure does to one table (``table_plan``), and the dry run (``erasure_plan``);
* ``checkpoint``: the run's statuses and its per-table progress record;
* ``batches``: one batch of live or history rows, and the files of erased rows;
* ``certificate``: the record of what was done, kept and held;
* ``run``: start (with its background job), claim, run, finish, mark failed when the job gives up.
"""
