from celery import shared_task


@shared_task(name="apps.disclosures.tasks.anchor_head_task")
def anchor_head_task() -> int:
    """Daily: write the register's head hash down, so a truncated tail is detectable."""
    from apps.disclosures.services.register import disclosure_anchor_head

    return disclosure_anchor_head().sequence
