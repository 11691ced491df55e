"""vicinato impact-recompute: bring every booking's savings to the current emission factors, compute the missing
ones, and with --reroute route them all again."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from vicinato.routing import RoutingError

from ... import factors, recompute, trips


class Command(BaseCommand):
    help = (
        "Recompute the savings of the bookings that happened: the grams with the current emission factors "
        "(no routing needed), the results still missing, and with --reroute every trip routed again (after a "
        "new map, timetable or commute profiles). Prints a JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reroute", action="store_true", help="route every trip again, not only the missing ones"
        )

    def handle(self, *args, **options):
        try:
            table = factors.current()
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"The emission factors file cannot be read: {error}") from None
        try:
            summary = recompute.recompute(reroute=options["reroute"])
        except trips.Unroutable as error:
            raise CommandError(
                f"Trips by {error} cannot be routed in this city; import its network first."
            ) from None
        except RoutingError as error:
            raise CommandError(f"Routing failed: {error}") from None
        except OSError as error:
            raise CommandError(
                f"The city's street map cannot be read ({error}); run `vicinato import-osm`."
            ) from None
        summary["factors_source"] = f"{table.source} ({table.year})"
        self.stdout.write(json.dumps(summary))
