"""vicinato booking-jobs: release no-shows, complete past bookings and expire waiting-list offers (run every minute)."""

from django.core.management.base import BaseCommand

from vicinato.booking.services import run_scheduled_jobs


class Command(BaseCommand):
    help = (
        "Release no-shows, complete finished bookings and expire waiting-list offers. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        result = run_scheduled_jobs()
        self.stdout.write(
            ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in result.items()) + "."
        )
