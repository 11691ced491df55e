"""vicinato import-gtfs: make one or more GTFS feeds the public transport of some municipalities' networks."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vicinato.geo import networks, transit
from vicinato.routing import GTFSSource, RoutingError


class Command(BaseCommand):
    help = (
        "Read GTFS feeds (a city's buses, trams and metro, regional rail...), build their timetable on the walk "
        "graph and use them for travel times by public transport. A broken feed changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("feeds", nargs="+", help="GTFS feeds (.zip files or folders of .txt files)")
        parser.add_argument(
            "--feed-id",
            action="append",
            default=[],
            help="the id that keeps a feed's ids apart (one per feed, in order; default: the file's name)",
        )
        parser.add_argument(
            "--municipality",
            action="append",
            default=[],
            metavar="CODE",
            help="ISTAT code of a municipality whose network the feeds serve (repeatable; default: the site's)",
        )

    def handle(self, *args, **options):
        paths, ids = [Path(p) for p in options["feeds"]], options["feed_id"]
        if ids and len(ids) != len(paths):
            raise CommandError(f"Give one --feed-id per feed ({len(paths)}), or none.")
        try:
            feeds = [GTFSSource(path, ids[i] if ids else "") for i, path in enumerate(paths)]
        except ValueError as error:
            raise CommandError(str(error)) from None
        for feed in feeds:
            if not feed.path.exists():
                raise CommandError(f"{feed.path}: no such file; give the path of a GTFS .zip file.")
        if len({f.feed_id for f in feeds}) != len(feeds):
            raise CommandError("Two feeds have the same id; give each its own with --feed-id.")
        bar = tqdm(total=1, desc="import-gtfs", unit="step", disable=options["verbosity"] == 0)

        def progress(stage: str, done: int, total: int) -> None:
            bar.set_postfix_str(stage)
            bar.total = max(total, 1)
            bar.n = done
            bar.refresh()

        try:
            timetable = transit.use_sources(feeds, options["municipality"], progress)
        except (RoutingError, networks.NetworkError) as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        self.summarise(timetable.summary)
        codes = options["municipality"] or [settings.SITE_MUNICIPALITY]
        # Compiles the searches now, not in the first request.
        transit.router(networks.network_of(codes[0].strip())).warm_up()

    def summarise(self, summary: dict) -> None:
        first, last = summary["service_period"]
        self.stdout.write(
            f"{summary['routes']} routes, {summary['trips']} trips, {summary['stops']} stops, "
            f"{summary['stop_times']} stop times; service period {first} to {last}."
        )
        for feed in summary["feeds"]:
            agencies = ", ".join(feed.get("agencies", []))
            self.stdout.write(
                f"  feed {feed['feed_id']}: {agencies}, {feed['first_date']} to {feed['last_date']}"
            )
        routes = summary.get("routes_by_type", {})
        self.stdout.write("Routes by type: " + ", ".join(f"{kind} {count}" for kind, count in routes.items()))
        trips = summary.get("trips_per_weekday", {})
        self.stdout.write("Trips per weekday: " + ", ".join(f"{day[:3]} {n}" for day, n in trips.items()))
        far = summary.get("stops_far_from_streets", [])
        if far:
            names = ", ".join(str(s.get("name", s)) if isinstance(s, dict) else str(s) for s in far[:10])
            more = f" and {len(far) - 10} more" if len(far) > 10 else ""
            self.stdout.write(
                f"Stops farther than 500 m from the street network: {len(far)} ({names}{more})."
            )
        else:
            self.stdout.write("Every stop is within 500 m of the street network.")
