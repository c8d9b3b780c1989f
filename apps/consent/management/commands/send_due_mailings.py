from django.core.management.base import BaseCommand

from apps.consent.mailing.queue import mailings_send_due


class Command(BaseCommand):
    help = "Queue scheduled mailings whose time has come, and resume interrupted ones (also a beat job)."

    def handle(self, *args, **options):
        self.stdout.write(f"{mailings_send_due()} mailing(s) handed to the worker.")
