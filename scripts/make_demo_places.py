"""Make data/milano/demo_places.json: invented demo places at real Milan street addresses.

Run once by a developer (the JSON is committed): `python scripts/make_demo_places.py`. Addresses are the names of
real streets of the OpenStreetMap extract (ODbL) nearest to chosen points: metro stations in the periphery for the
officine territoriali, neighbourhood centres for the rest. Everything else about the places is invented.
"""

import json
import math
import random
from pathlib import Path

import osmium
from scipy.spatial import cKDTree
from shapely.geometry import Point, shape

from vicinato.geo.names import tidy_name

DATA = Path(__file__).resolve().parent.parent / "data" / "milano"
DUOMO = (45.4642, 9.1900)
STREET_TYPES = {
    "residential",
    "tertiary",
    "secondary",
    "primary",
    "unclassified",
    "living_street",
    "pedestrian",
}


def metres(lat1, lon1, lat2, lon2):
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, (lat2 - lat1) * 110_540)


class Streets(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.points, self.names = [], []

    def way(self, way):
        if way.tags.get("highway") in STREET_TYPES and way.tags.get("name"):
            name = way.tags["name"]
            for node in way.nodes:
                if node.location.valid():
                    self.points.append((node.location.lat, node.location.lon))
                    self.names.append(name)


def main():
    streets = Streets()
    streets.apply_file(str(DATA / "milan_italy_small.osm.pbf"), locations=True)
    projected = [
        (lat * 110_540, lon * 111_320 * math.cos(math.radians(45.46))) for lat, lon in streets.points
    ]
    tree = cKDTree(projected)
    municipi = {
        str(f["properties"]["MUNICIPIO"]): shape(f["geometry"])
        for f in json.loads((DATA / "ds379_municipi_label.geojson").read_text())["features"]
    }
    nils = [
        (tidy_name(f["properties"]["NIL"]), shape(f["geometry"]))
        for f in json.loads((DATA / "ds964_NIL_WM.geojson").read_text())["features"]
    ]
    stations = [
        (tidy_name(f["properties"]["nome"]), f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
        for f in json.loads((DATA / "tpl_metrofermate.geojson").read_text())["features"]
    ]
    rng = random.Random(2026)
    used = set()

    def street_near(lat, lon):
        distances, indexes = tree.query((lat * 110_540, lon * 111_320 * math.cos(math.radians(45.46))), k=40)
        for distance, index in zip(distances, indexes, strict=True):
            name = streets.names[index]
            if name not in used and distance < 600:
                used.add(name)
                return name, streets.points[index]
        return None, None

    def municipio_of(lat, lon):
        return next((code for code, poly in municipi.items() if poly.contains(Point(lon, lat))), None)

    places = []

    def add(kind, make_name, lat, lon, municipio):
        street, point = street_near(lat, lon)
        if street is None or municipio_of(*point) != municipio:
            return False
        places.append(
            {
                "kind": kind,
                "name": make_name(),
                "address": f"{street} {rng.randint(1, 120)}",
                "lat": round(point[0], 6),
                "lon": round(point[1], 6),
                "municipio": municipio,
            }
        )
        return True

    coworking_names = iter(
        [
            "Cowork Navigli",
            "Spazio Brera Lavoro",
            "Officine Digitali",
            "Scrivanie Condivise",
            "Cascina Cowork",
            "La Fabbrica del Lavoro",
            "Hub di Quartiere",
            "Casa del Lavoro Agile",
            "Tavolo Comune",
            "Lavoro Vicino",
            "Studio Aperto",
            "Ponte Cowork",
            "Binario Lavoro",
            "Cortile Condiviso",
            "Lanterna Cowork",
            "Spazio Ortica",
            "Ringhiera Lab",
            "Il Portico",
            "Vicolo Cowork",
            "Naviglio Work",
        ]
    )
    companies = iter(
        [
            "Lombarda Software",
            "Meccanica Ambrosiana",
            "Assicurazioni del Naviglio",
            "Editoriale Milanese",
            "Logistica Padana",
            "Energia Brianza",
            "Banca di Quartiere",
            "Farmaceutica Seveso",
            "Tessile Lomellina",
            "Studio Ingegneria Olona",
        ]
    )
    for municipio, poly in sorted(municipi.items(), key=lambda item: int(item[0])):
        local_nils = sorted(
            (n for n in nils if poly.contains(n[1].representative_point())), key=lambda n: -n[1].area
        )
        local_stations = sorted(
            (s for s in stations if poly.contains(Point(s[2], s[1]))),
            key=lambda s: -metres(s[1], s[2], *DUOMO),
        )
        plan = (
            [("coworking", 4), ("company_space", 2), ("library", 1), ("union_office", 1)]
            if municipio == "1"
            else [
                ("officina", 2),
                ("coworking", 2),
                ("company_space", 1),
                ("snodo", 1),
                ("union_office" if int(municipio) % 2 else "library", 1),
            ]
        )
        nil_cycle = iter(local_nils * 3)
        station_cycle = iter(local_stations)
        for kind, count in plan:
            added = 0
            while added < count:
                if kind == "officina":
                    station = next(station_cycle)
                    name = lambda s=station: f"Officina territoriale {s[0]}"  # noqa: E731
                    lat, lon = (
                        station[1] + rng.uniform(-0.002, 0.002),
                        station[2] + rng.uniform(-0.002, 0.002),
                    )
                else:
                    nil_name, nil_poly = next(nil_cycle)
                    centre = nil_poly.representative_point()
                    lat, lon = centre.y + rng.uniform(-0.002, 0.002), centre.x + rng.uniform(-0.002, 0.002)
                    name = {
                        "coworking": lambda n=nil_name: next(coworking_names),
                        "company_space": lambda n=nil_name: f"Spazi aperti {next(companies)}",
                        "snodo": lambda n=nil_name: f"Snodo territoriale {n}",
                        "union_office": lambda n=nil_name: f"Sportello lavoro {n}",
                        "library": lambda n=nil_name: f"Biblioteca di quartiere {n}",
                    }[kind]
                added += add(kind, name, lat, lon, municipio)
    (DATA / "demo_places.json").write_text(json.dumps(places, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(places)} demo places written")


if __name__ == "__main__":
    main()
