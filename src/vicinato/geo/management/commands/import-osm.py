"""vicinato import-osm: make an OpenStreetMap extract the street network of some municipalities."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vicinato.geo import networks, travel
from vicinato.routing import MODES, RoutingError


class Command(BaseCommand):
    help = (
        "Build the walk, bike and car graphs and the street index of an OSM extract and make it the network of "
        "the municipalities given (default: the site's); other municipalities keep theirs."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="OpenStreetMap extract (.osm.pbf or .osm)")
        parser.add_argument(
            "--municipality",
            action="append",
            default=[],
            metavar="CODE",
            help=f"ISTAT code of a municipality the extract serves (repeatable; default: the site's, "
            f"{settings.SITE_MUNICIPALITY})",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        steps = tqdm(total=2 + len(MODES), desc="import-osm", unit="step", disable=options["verbosity"] == 0)
        try:
            steps.set_postfix_str("street graphs")
            network = networks.import_network(path, options["municipality"])
            steps.update(1)
            codes = options["municipality"] or [settings.SITE_MUNICIPALITY]
            source = networks.state().by_code[codes[0].strip()]
            steps.set_postfix_str("street names")
            networks.streets(source)
            steps.update(1)
            for mode in MODES:
                steps.set_postfix_str(f"places reachable ({mode})")
                travel.reach_index(mode, source)
                steps.update(1)
        except (RoutingError, networks.NetworkError) as error:
            raise CommandError(str(error)) from None
        finally:
            steps.close()
        report = network.report
        origin = "loaded from cache" if network.from_cache else f"built in {report.seconds:.1f} s"
        self.stdout.write(
            f"{path.name}: {report.ways_used} of {report.ways_read} ways used, {origin}; "
            f"the network of {', '.join(codes)}."
        )
        for mode in MODES:
            graph, kept = network.graph(mode), report.modes[mode]
            self.stdout.write(
                f"  {mode}: {graph.node_count} nodes, {graph.edge_count} edges, {kept.length_km:.0f} km; "
                f"dropped {kept.nodes_dropped} nodes outside the largest connected part"
            )
