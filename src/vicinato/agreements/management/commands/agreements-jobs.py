"""vicinato agreements-jobs: end the agreements whose last day has passed (run daily, like register-jobs)."""

from django.core.management.base import BaseCommand

from vicinato.agreements.services import end_finished_agreements


class Command(BaseCommand):
    help = "End the agreements whose last day has passed. Safe to run repeatedly."

    def handle(self, *args, **options):
        self.stdout.write(f"{end_finished_agreements()} agreements ended.")
