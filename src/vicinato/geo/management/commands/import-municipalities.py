"""vicinato import-municipalities: load municipalities (boundary and residents) from a GeoJSON file."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.geo.municipalities import import_municipalities
from vicinato.geo.services import GeoImportError


class Command(BaseCommand):
    help = (
        "Import municipalities with their boundary and residents from a GeoJSON FeatureCollection (WGS84), "
        "matched by ISTAT code: new ones are added, known ones updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON FeatureCollection of polygons, in WGS84")
        parser.add_argument(
            "--code-field", default="istat_code", help="property with the ISTAT code (6 digits)"
        )
        parser.add_argument("--name-field", default="name", help="property with the municipality's name")
        parser.add_argument(
            "--population-field", help="property with the residents, e.g. population_2023 (optional)"
        )

    def handle(self, *args, **options):
        try:
            summary = import_municipalities(
                options["file"], options["code_field"], options["name_field"], options["population_field"]
            )
        except GeoImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{summary.created} municipalities added, {summary.updated} updated"
            f" ({summary.kept_boundaries} keep the boundary of their own districts)."
        )
