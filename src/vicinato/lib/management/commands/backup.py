"""vicinato backup FILE: the database and every stored file in one archive (see vicinato.lib.backup)."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.lib.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write a backup of the database and of every stored file (photos, documents) to FILE (.tar.gz)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive to write, e.g. vicinato-2027-01-31.tar.gz")

    def handle(self, *args, **options):
        try:
            summary = create_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backup written to {options['file']}: the {summary.engine} database "
            f"({summary.migrations} migrations applied) and {summary.files} files."
        )
