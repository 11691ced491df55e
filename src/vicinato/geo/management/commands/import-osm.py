"""vicinato import-osm: make an OpenStreetMap extract the city's street network for travel times."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from vicinato.geo import travel
from vicinato.routing import MODES, RoutingError, StreetIndex


class Command(BaseCommand):
    help = "Build the walk and bike graphs and the street index from an OSM .pbf extract and use it."

    def add_arguments(self, parser):
        parser.add_argument("file", help="OpenStreetMap extract (.osm.pbf)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        steps = tqdm(total=3 + len(MODES), desc="import-osm", unit="step", disable=options["verbosity"] == 0)
        try:
            steps.set_postfix_str("street graphs")
            network = travel.use_source(path)
            steps.update(1)
            steps.set_postfix_str("street names")
            StreetIndex.load_or_build(path, travel.settings.ROUTING_CACHE_DIR)
            steps.update(1)
            for mode in MODES:
                steps.set_postfix_str(f"places reachable ({mode})")
                travel.rebuild_index(mode)
                steps.update(1)
            steps.update(1)
        except RoutingError as error:
            raise CommandError(str(error)) from None
        finally:
            steps.close()
        report = network.report
        origin = "loaded from cache" if network.from_cache else f"built in {report.seconds:.1f} s"
        self.stdout.write(f"{path.name}: {report.ways_used} of {report.ways_read} ways used, {origin}.")
        for mode in MODES:
            graph, kept = network.graph(mode), report.modes[mode]
            self.stdout.write(
                f"  {mode}: {graph.node_count} nodes, {graph.edge_count} edges, {kept.length_km:.0f} km; "
                f"dropped {kept.nodes_dropped} nodes outside the largest connected part"
            )
