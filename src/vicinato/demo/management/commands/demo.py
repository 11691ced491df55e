"""vicinato demo: load (or with --reset, reload) the Milan demo city."""

from django.core.management.base import BaseCommand, CommandError

from vicinato.demo.loader import load_demo
from vicinato.demo.places import DEMO_PASSWORD, USERS
from vicinato.geo import transit
from vicinato.geo.services import GeoImportError


class Command(BaseCommand):
    help = "Load the Milan demo city (idempotent); --reset removes the demo data and loads it again."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="remove the demo data first")
        parser.add_argument("--quiet-users", action="store_true", help="do not print the demo users")

    def handle(self, *args, **options):
        try:
            counts = load_demo(reset=options["reset"])
        except (GeoImportError, FileNotFoundError) as exc:
            raise CommandError(f"The demo data could not be loaded: {exc}") from None
        self.stdout.write("Demo city Milano: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        if transit.available():
            # The first search by public transport would compile the timetable's searches and index the places:
            # done here, so that nobody waits for it.
            seconds = transit.router().warm_up()
            transit.reach(transit.When.default())
            self.stdout.write(f"Public transport: the demo's 2014 ATM feed, ready in {seconds:.0f} s.")
        if not options["quiet_users"]:
            self.stdout.write(f"\nDemo users (password '{DEMO_PASSWORD}'):")
            for user in USERS:
                self.stdout.write(f"  {user.username:<18} {user.role}")
