"""vicinato import-stops: load transit stops of a city from a GeoJSON file of points."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.geo.models import Stop
from vicinato.geo.services import GeoImportError, get_or_create_municipality, import_stops


class Command(BaseCommand):
    help = "Import transit stops (e.g. metro stations) from a GeoJSON FeatureCollection of points (WGS84)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--kind", default=Stop.Kind.METRO, choices=Stop.Kind.values)
        parser.add_argument("--code-field", required=True)
        parser.add_argument("--name-field", required=True)
        parser.add_argument("--lines-field")

    def handle(self, *args, **options):
        try:
            municipality = get_or_create_municipality(options["municipality"])
            count = import_stops(
                municipality,
                options["file"],
                options["kind"],
                options["code_field"],
                options["name_field"],
                options["lines_field"],
            )
        except GeoImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{count} stops imported for {municipality}.")
