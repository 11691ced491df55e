"""vicinato register-jobs: expire entries past their date and send renewal reminders (run daily)."""

from django.core.management.base import BaseCommand

from vicinato.register.workflow import run_scheduled_jobs


class Command(BaseCommand):
    help = (
        "Expire register entries past their date and remind operators before expiry. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        result = run_scheduled_jobs()
        self.stdout.write(f"{result['expired']} entries expired, {result['reminded']} reminders sent.")
