"""The batched sender of mailings to many accounts: marketing campaigns and policy-change notices.

An engine, in steps:

- ``kinds``: how each kind of mailing chooses its audience and builds one message. The kinds are
  registered by ``ConsentConfig.ready``: marketing campaigns from ``apps.consent.selectors.marketing``
  and ``apps.consent.services.marketing``, policy-change notices from ``apps.consent.selectors.policy``
  and ``apps.consent.services.policy``.
- ``queue``: handing a mailing to the worker (``mailing_queue``) and, for beat, queueing the
  scheduled mailings whose time has come (``mailings_send_due``).
- ``send``: the worker's side, batch by batch (``mailing_send``): the work of the mailing's
  background job (apps/core/jobs/, registered in ``apps.consent.tasks``).

The worker records a batch of deliveries (unique per mailing and account) and commits them
before sending that batch, so a job restarted after a crash, or started twice, resumes where
it stopped and never sends anyone a second copy. A send that raises (the mail server refused
a message, say) forgets the deliveries of the messages it did not send, so the mailing fails
visibly with sent_count < audience_size and a resume sends exactly those. The price is
at-most-once only for a killed worker: dying between the commit and the sending of a batch
loses those copies, which is the right side to err on.
"""
