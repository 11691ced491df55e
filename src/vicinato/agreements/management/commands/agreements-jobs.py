"""vicinato agreements-jobs: end the agreements whose last day has passed and delete the documents of
applications decided long enough ago (run daily, like register-jobs)."""

from django.core.management.base import BaseCommand

from vicinato.agreements.personal_data import purge_documents
from vicinato.agreements.services import end_finished_agreements


class Command(BaseCommand):
    help = (
        "End the agreements whose last day has passed; delete the documents of voucher applications decided "
        "more than VICINATO_DOCUMENT_RETENTION_DAYS ago. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        ended = end_finished_agreements()
        self.stdout.write(f"{ended} agreements ended, {purge_documents()} documents deleted.")
