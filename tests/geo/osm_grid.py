"""A small town's street grid written as an OpenStreetMap XML file (for the tests and benchmarks of networks
per municipality: an extract of another town, next to Milan's)."""

from __future__ import annotations

from pathlib import Path

NAMES = ("Via Verdi", "Corso Buenos Aires", "Via Milano", "Via Garibaldi", "Via Roma")


def town_extract(
    path: Path,
    centre: tuple[float, float],
    names: tuple[str, ...] = NAMES,
    columns: int = 9,
    extra: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (),
) -> Path:
    """East-west streets named `names` (one each) crossed by `columns` north-south streets, 0.001° apart,
    centred on `centre` (lat, lon); and `extra` streets: (name, points (lat, lon)), on their own."""
    rows, step = len(names), 0.001
    south, west = centre[0] - step * (rows - 1) / 2, centre[1] - step * (columns - 1) / 2
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="vicinato-tests">']
    node = {}
    for r in range(rows):
        for c in range(columns):
            node[r, c] = len(node) + 1
            lat, lon = south + r * step, west + c * step
            lines.append(f'<node id="{node[r, c]}" version="1" lat="{lat:.6f}" lon="{lon:.6f}"/>')
    streets = [(name, [node[r, c] for c in range(columns)]) for r, name in enumerate(names)]
    streets += [(f"Via Nord {c}", [node[r, c] for r in range(rows)]) for c in range(columns)]
    for name, points in extra:
        refs = []
        for lat, lon in points:
            refs.append(len(node) + 1)
            node["extra", refs[-1]] = refs[-1]
            lines.append(f'<node id="{refs[-1]}" version="1" lat="{lat:.6f}" lon="{lon:.6f}"/>')
        streets.append((name, refs))
    for number, (name, refs) in enumerate(streets, start=1000):
        nodes = "".join(f'<nd ref="{ref}"/>' for ref in refs)
        tags = f'<tag k="highway" v="residential"/><tag k="name" v="{name}"/>'
        lines.append(f'<way id="{number}" version="1">{nodes}{tags}</way>')
    lines.append("</osm>")
    Path(path).write_text("\n".join(lines), encoding="utf-8")
    return Path(path)
