"""vicinato restore FILE: a backup made by `vicinato backup`, into an empty database (see vicinato.lib.backup)."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.lib.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `vicinato backup` into the database of DATABASE_URL, which must be empty, "
        "and its files into the storage; then run `vicinato migrate` if this version is newer."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive written by `vicinato backup`")

    def handle(self, *args, **options):
        try:
            summary = restore_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored the {summary.engine} database and {summary.files} files.")
        if summary.pending:
            self.stdout.write(
                f"The backup predates {summary.pending} migrations of this version: run `vicinato migrate`."
            )
