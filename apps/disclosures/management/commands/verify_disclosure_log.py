from django.core.management.base import BaseCommand

from apps.disclosures.chain import verify_chain


class Command(BaseCommand):
    help = "Check the disclosure register's hash chain. Exit 0 when it holds, 1 at the first broken entry."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(f"OK: {checked} entries, chain intact.")
            return
        where = f"#{broken.sequence}" if broken.sequence is not None else "?"
        self.stderr.write(
            f"BROKEN at position {broken.position} (entry {where} {broken.reference}): {broken.problem}. "
            f"{checked} entries read."
        )
        raise SystemExit(1)
