"""vicinato import-addresses: a municipality's official house numbers (CSV or GeoJSON), for geocoding."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.geo import addresses, networks
from vicinato.geo.models import Municipality
from vicinato.geo.services import GeoImportError


class Command(BaseCommand):
    help = (
        "Import the house numbers of a municipality from a CSV file (street, number, latitude, longitude "
        "columns) or a GeoJSON FeatureCollection of points (WGS84); they replace the municipality's previous list."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, or GeoJSON FeatureCollection of points (.geojson)")
        parser.add_argument("--municipality", required=True, metavar="CODE", help="ISTAT code, e.g. 015146")
        parser.add_argument(
            "--street-field", default="street", help="column or property with the street name"
        )
        parser.add_argument(
            "--number-field", default="number", help="column or property with the house number"
        )
        parser.add_argument("--lat-field", default="lat", help="CSV: column with the latitude")
        parser.add_argument("--lon-field", default="lon", help="CSV: column with the longitude")

    def handle(self, *args, **options):
        try:
            [code] = networks.check_codes([options["municipality"]])
            municipality = Municipality.objects.filter(istat_code=code).first()
            if municipality is None:
                raise CommandError(f"No municipality has ISTAT code {code}; import its boundary first.")
            rows = addresses.read_addresses(
                options["file"],
                options["street_field"],
                options["number_field"],
                options["lat_field"],
                options["lon_field"],
            )
            count = addresses.import_addresses(municipality, rows)
        except (GeoImportError, networks.NetworkError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{count} house numbers imported for {municipality}.")
