"""vicinato import-commuters: commuters by main mode per neighbourhood (a demand layer of the planner)."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.planning.commuters import CommuterImportError, import_commuters


class Command(BaseCommand):
    help = "Import commuters by main mode per neighbourhood (NIL) from the census CSV (e.g. Comune di Milano ds1490)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with anno, id_nil, piedi_bici, pubblici, auto, altro")
        parser.add_argument("--code-field", default="id_nil", help="column with the NIL's code")

    def handle(self, *args, **options):
        try:
            found = import_commuters(options["file"], options["code_field"])
        except CommuterImportError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Commuters imported for {found['imported']} neighbourhoods; {found['unknown']} rows of unknown codes skipped."
        )
