"""Offline street and house-number index built from the OSM file, for the product's geocoder.

Resolves "Via Padova 21", "viale monza" or "c.so Buenos Aires" to coordinates: named highways give
one point per street (per stretch, for streets of the same name in different towns), and
addr:street + addr:housenumber give exact points (nodes, and the centroid of building ways).
Names are compared after normalisation: lower case, no accents or punctuation, and the usual
Italian abbreviations written out ("v." via, "v.le" viale, "p.za" piazza, "c.so" corso...).
"""

from __future__ import annotations

import difflib
import gzip
import json
import os
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import OSMFileError
from .files import write_atomically
from .network import file_sha256
from .osm import check_osm_file
from .projection import haversine_m

INDEX_FORMAT_VERSION = 1

ABBREVIATIONS = {
    "v": "via",
    "v.le": "viale",
    "vle": "viale",
    "p.za": "piazza",
    "p.zza": "piazza",
    "pza": "piazza",
    "pzza": "piazza",
    "p.le": "piazzale",
    "ple": "piazzale",
    "c.so": "corso",
    "cso": "corso",
    "l.go": "largo",
    "lgo": "largo",
    "str": "strada",
    "s": "san",
    "p.ta": "porta",
    "pta": "porta",
    "b.go": "borgo",
    "v.lo": "vicolo",
    "vl": "viale",
    "gall": "galleria",
    "staz": "stazione",
    "p.zzale": "piazzale",
    "bast": "bastioni",
}
STREET_TYPES = frozenset(
    {
        "via",
        "viale",
        "piazza",
        "piazzale",
        "corso",
        "largo",
        "strada",
        "vicolo",
        "galleria",
        "porta",
        "borgo",
        "bastioni",
        "alzaia",
        "ripa",
        "piazzetta",
        "passaggio",
        "ponte",
        "cavalcavia",
    }
)
PLACE_WORDS = frozenset({"milano", "milan", "mi", "italia", "italy"})
# Articles and prepositions people often leave out: "piazza duomo" for "Piazza del Duomo".
LINK_WORDS = frozenset(
    {
        "del",
        "della",
        "dello",
        "dei",
        "degli",
        "delle",
        "di",
        "d",
        "de",
        "al",
        "alla",
        "allo",
        "ai",
        "agli",
        "alle",
        "la",
        "il",
        "lo",
        "le",
        "i",
        "gli",
        "l",
    }
)
HOUSE_NUMBER = re.compile(r"^\d+[a-z]?(/\d+|/[a-z])?$")
POSTCODE = re.compile(r"^\d{5}$")
# Ways of the same name whose midpoints are farther than this from every other way of the stretch
# are a different street (e.g. two towns' Via Roma).
SAME_STREET_M = 1000.0


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, abbreviations expanded: "V.le Monza" -> "viale monza"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"[’'`,;]", " ", plain)
    words = []
    for token in plain.split():
        expanded = ABBREVIATIONS.get(token) or ABBREVIATIONS.get(token.rstrip("."))
        if expanded:
            words.append(expanded)
            continue
        cleaned = re.sub(r"[^0-9a-z/]+", " ", token).strip()
        if cleaned:
            words.extend(cleaned.split())
    return " ".join(words)


def split_query(text: str) -> tuple[str, str | None]:
    """(normalised street, house number or None): "Via Padova, 21 Milano" -> ("via padova", "21")."""
    words = [w for w in normalise(text).split() if w not in PLACE_WORDS and not POSTCODE.match(w)]
    number = None
    if len(words) >= 2 and HOUSE_NUMBER.match(words[-1]):
        number = words.pop()
    elif len(words) >= 2 and HOUSE_NUMBER.match(words[1]) and words[0] not in STREET_TYPES:
        number = words.pop(0)  # "21 via padova"
    return " ".join(words), number


def _without_type(name: str) -> str:
    words = _key(name).split()
    return " ".join(words[1:]) if len(words) > 1 and words[0] in STREET_TYPES else " ".join(words)


def _key(name: str) -> str:
    """A normalised name without articles and prepositions, for comparisons."""
    return " ".join(w for w in name.split() if w not in LINK_WORDS)


def _number_value(number: str) -> int | None:
    match = re.match(r"\d+", number)
    return int(match.group()) if match else None


@dataclass(frozen=True)
class GeocodeCandidate:
    """A possible answer: what was matched, where, and how sure (score 0–1)."""

    label: str
    lat: float
    lon: float
    score: float
    kind: str  # "address" (exact number), "near_address" (closest number), or "street"


class StreetIndex:
    """Street names and house numbers of one OSM extract, searchable offline."""

    def __init__(
        self, streets: dict[str, list[dict[str, object]]], addresses: dict[str, dict[str, list[float]]]
    ):
        # streets: normalised name -> stretches [{"name", "lat", "lon", "ways"}]
        # addresses: normalised street -> {house number -> [lat, lon]}
        self.streets = streets
        self.addresses = addresses
        self._by_word: dict[str, set[str]] = defaultdict(set)
        for name in set(streets) | set(addresses):
            for word in name.split():
                self._by_word[word].add(name)
        self._names = sorted(set(streets) | set(addresses))

    # ----- building and caching ----------------------------------------------------------------

    @classmethod
    def build(cls, pbf_path: str | os.PathLike[str]) -> StreetIndex:
        """Read named highways and addresses from the OSM file."""
        import osmium

        path = Path(pbf_path)
        check_osm_file(path)
        way_points: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
        addresses: dict[str, dict[str, list[float]]] = defaultdict(dict)
        try:
            processor = (
                osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                .with_locations()
                .with_filter(osmium.filter.KeyFilter("highway", "addr:housenumber"))
            )
            for obj in processor:
                tags = obj.tags
                street = tags.get("addr:street")
                number = tags.get("addr:housenumber")
                if obj.is_node():
                    if street and number and obj.location.valid():
                        cls._add_address(addresses, street, number, obj.location.lat, obj.location.lon)
                    continue
                if not obj.is_way():
                    continue
                coords = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
                if not coords:
                    continue
                if street and number:
                    lat_c, lon_c = np.mean(np.asarray(coords), axis=0)
                    cls._add_address(addresses, street, number, float(lat_c), float(lon_c))
                name = tags.get("name")
                if name and tags.get("highway"):
                    mid = coords[len(coords) // 2]
                    way_points[normalise(name)].append((name, mid[0], mid[1]))
        except Exception as error:
            raise OSMFileError(
                f"Could not read {path} as an OpenStreetMap file ({error}); "
                "check that it is an .osm.pbf or .osm extract and download it again if it is damaged."
            ) from error
        streets = {key: cls._stretches(points) for key, points in way_points.items() if key}
        return cls(streets, dict(addresses))

    @staticmethod
    def _add_address(
        addresses: dict[str, dict[str, list[float]]], street: str, number: str, lat: float, lon: float
    ) -> None:
        for one in re.split(r"[;,]", number):
            key = normalise(one).replace(" ", "")
            if key:
                addresses[normalise(street)].setdefault(key, [round(lat, 7), round(lon, 7)])

    @staticmethod
    def _stretches(points: list[tuple[str, float, float]]) -> list[dict[str, object]]:
        """Group the ways of one name into stretches; each stretch gets its most central way point."""
        # Single linkage: a way joins a stretch if it is near any way of it, so long streets whose
        # ways follow each other stay one stretch.
        coords = np.asarray([(p[1], p[2]) for p in points])
        parent = list(range(len(points)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(points)):
            near = (
                haversine_m(coords[i, 1], coords[i, 0], coords[i + 1 :, 1], coords[i + 1 :, 0])
                <= SAME_STREET_M
            )
            for j in (np.flatnonzero(near) + i + 1).tolist():
                parent[root(j)] = root(i)
        by_root: dict[int, list[tuple[str, float, float]]] = defaultdict(list)
        for i, point in enumerate(points):
            by_root[root(i)].append(point)
        groups = list(by_root.values())
        stretches = []
        for group in groups:
            arr = np.asarray([(p[1], p[2]) for p in group])
            centre = arr.mean(axis=0)
            best = group[int(np.argmin(((arr - centre) ** 2).sum(axis=1)))]
            stretches.append({"name": best[0], "lat": best[1], "lon": best[2], "ways": len(group)})
        stretches.sort(key=lambda s: -int(s["ways"]))  # type: ignore[call-overload]
        return stretches

    @classmethod
    def load_or_build(
        cls, pbf_path: str | os.PathLike[str], cache_dir: str | os.PathLike[str]
    ) -> StreetIndex:
        """Load the index cached for this file's content (cache_dir/streets-v1-<sha256>.json.gz) or build it."""
        path = Path(pbf_path)
        sha = file_sha256(path)
        cache_path = Path(cache_dir) / f"streets-v{INDEX_FORMAT_VERSION}-{sha[:16]}.json.gz"
        if cache_path.exists():
            try:
                return cls.load(cache_path)
            except (OSError, ValueError, KeyError):
                pass  # damaged cache: rebuild below
        index = cls.build(path)
        index.save(cache_path)
        return index

    def save(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(
            {"format": INDEX_FORMAT_VERSION, "streets": self.streets, "addresses": self.addresses}
        )
        write_atomically(path, lambda tmp: tmp.write(gzip.compress(data.encode(), compresslevel=6)))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> StreetIndex:
        data = json.loads(gzip.decompress(Path(path).read_bytes()))
        if data.get("format") != INDEX_FORMAT_VERSION:
            raise ValueError("old street index format")
        return cls(data["streets"], data["addresses"])

    # ----- searching -------------------------------------------------------------------------

    def _street_scores(self, street: str, limit: int) -> list[tuple[float, str]]:
        if not street:
            return []
        if street in self.streets or street in self.addresses:
            return [(1.0, street)]
        pool: set[str] = set()
        for word in street.split():
            if word not in STREET_TYPES and word not in LINK_WORDS:
                pool |= self._by_word.get(word, set())
        if not pool:
            pool = set(difflib.get_close_matches(street, self._names, n=limit * 4, cutoff=0.6))
        query_key = _key(street)
        bare_query = _without_type(street)
        typed = bare_query != query_key
        scored = []
        for name in pool:
            full = difflib.SequenceMatcher(None, query_key, _key(name)).ratio()
            bare = difflib.SequenceMatcher(None, bare_query, _without_type(name)).ratio()
            # Without a street type in the query ("monza"), "viale monza" is almost a full match;
            # with a different type ("via" for "viale") it is a weaker one.
            score = max(full, (0.9 if typed else 0.95) * bare)
            if full == 1.0:
                score = 0.99  # same words but for articles: "piazza duomo" for "piazza del duomo"
            scored.append((round(score, 4), name))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return scored[:limit]

    def search(self, query: str, limit: int = 5, min_score: float = 0.6) -> list[GeocodeCandidate]:
        """Best matches for a street or an address, highest score first."""
        street, number = split_query(query)
        results: list[GeocodeCandidate] = []
        for score, name in self._street_scores(street, limit):
            if score < min_score:
                continue
            numbers = self.addresses.get(name, {})
            stretches = self.streets.get(name, [])
            label_base = str(stretches[0]["name"]) if stretches else name.title()
            if number and number in numbers:
                lat, lon = numbers[number]
                results.append(GeocodeCandidate(f"{label_base} {number}", lat, lon, score, "address"))
                continue
            wanted = _number_value(number) if number else None
            if wanted is not None and numbers:
                known = [(abs((_number_value(k) or 0) - wanted), k) for k in numbers]
                gap, closest = min(known)
                lat, lon = numbers[closest]
                results.append(
                    GeocodeCandidate(
                        f"{label_base} {closest}",
                        lat,
                        lon,
                        round(score * (0.9 if gap <= 10 else 0.8), 4),
                        "near_address",
                    )
                )
                continue
            penalty = 0.85 if number else 1.0
            for stretch in stretches:
                results.append(
                    GeocodeCandidate(
                        str(stretch["name"]),
                        float(stretch["lat"]),  # type: ignore[arg-type]
                        float(stretch["lon"]),
                        round(score * penalty, 4),
                        "street",
                    )
                )  # type: ignore[arg-type]
        results.sort(key=lambda c: -c.score)
        return results[:limit]
