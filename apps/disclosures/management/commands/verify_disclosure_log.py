from django.core.management.base import BaseCommand

from apps.disclosures.selectors.register import verify_chain


class Command(BaseCommand):
    help = "Check the disclosure register's hash chain. Exit 0 when it holds, 1 at the first broken entry."

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(f"OK: {checked} entries, chain intact.")
            return
        if broken.position:
            where = f"at position {broken.position} (entry #{broken.sequence} {broken.reference})"
        else:
            where = f"off the chain (entry {broken.reference})"
        self.stderr.write(f"BROKEN {where}: {broken.problem}. {checked} entries read.")
        raise SystemExit(1)
