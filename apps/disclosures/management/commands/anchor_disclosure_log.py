from django.core.management.base import BaseCommand

from apps.disclosures.models import ChainHead
from apps.disclosures.selectors.register import verify_chain
from apps.disclosures.services.register import disclosure_anchor_head


class Command(BaseCommand):
    help = "Record the register's head hash (the daily beat job 'disclosures-anchor-head', by hand)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print the head; record nothing.")

    def handle(self, *args, dry_run: bool, **options):
        if dry_run:
            head = ChainHead.objects.filter(singleton=True).first()
            self.stdout.write(f"head #{head.sequence if head else 0} {head.entry_hash if head else '-'}")
            return
        anchor = disclosure_anchor_head()
        checked, broken = verify_chain()
        self.stdout.write(
            f"anchored head #{anchor.sequence} {anchor.entry_hash} ({checked} entries, "
            f"{'intact' if broken is None else 'BROKEN: ' + broken.problem})"
        )
