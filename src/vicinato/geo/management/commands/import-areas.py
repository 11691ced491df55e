"""vicinato import-areas: load districts or neighbourhoods of a city from a GeoJSON file."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.geo import networks
from vicinato.geo.models import Area
from vicinato.geo.services import GeoImportError, get_or_create_municipality, import_areas, read_population


class Command(BaseCommand):
    help = (
        "Import the districts or neighbourhoods of a municipality from a GeoJSON FeatureCollection (WGS84)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON FeatureCollection of polygons, in WGS84")
        parser.add_argument("--municipality", required=True, help="municipality slug, e.g. milano")
        parser.add_argument("--municipality-name", help="display name, e.g. Milano")
        parser.add_argument("--level", required=True, choices=Area.Level.values)
        parser.add_argument("--code-field", required=True, help="feature property with the area's code")
        parser.add_argument("--name-field", help="feature property with the area's name")
        parser.add_argument("--population", help="CSV with residents per area code")
        parser.add_argument("--population-code-field", default="code")
        parser.add_argument("--population-field", default="population")

    def handle(self, *args, **options):
        try:
            population = None
            if options["population"]:
                population = read_population(
                    options["population"], options["population_code_field"], options["population_field"]
                )
            municipality = get_or_create_municipality(options["municipality"], options["municipality_name"])
            count = import_areas(
                municipality,
                options["file"],
                options["level"],
                options["code_field"],
                options["name_field"],
                population,
            )
        except GeoImportError as exc:
            raise CommandError(str(exc)) from None
        networks.bump(networks.NETWORKS)  # the other processes read the new boundaries again
        self.stdout.write(f"{count} areas ({options['level']}) imported for {municipality}.")
