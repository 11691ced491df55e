"""vicinato activities-jobs: expire offers, send reminders, delete old reasons (run every minute)."""

from django.core.management.base import BaseCommand

from vicinato.activities.services.jobs import run_scheduled_jobs


class Command(BaseCommand):
    help = "Expire waiting-list offers, send appointment reminders and delete old reasons. Safe to run repeatedly."

    def handle(self, *args, **options):
        result = run_scheduled_jobs()
        self.stdout.write(
            ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in result.items()) + "."
        )
