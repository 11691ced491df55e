"""Turn restrictions for cars: type=restriction relations read from OSM, and the turns they forbid.

A relation applies to cars when its restriction:motorcar, restriction:motor_vehicle,
restriction:vehicle or, failing those, restriction tag is no_* (the turn from the `from` way to the
`to` way through the `via` node is forbidden) or only_* (every other turn from the `from` way at
that node is forbidden), and its `except` tag does not name motorcar, motor_vehicle or vehicle.
Time-dependent ones (restriction:conditional) and ones for other vehicles only (restriction:hgv,
...) are left out.

Only restrictions via a node are applied: a via way (10 of Milan's 1,331 restrictions) would need
a second copy of the streets between the two turns, which the graph of street directions does not
have; those are counted in the build report and ignored. A restriction is matched by nodes: the
arrival at the via node from its neighbour on the `from` way, and the departure towards its
neighbour on the `to` way (both neighbours where the via node is inside the way rather than at an
end), so it holds whatever the way ids become after the streets are cut into segments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .arrays import join_equal

CAR_RESTRICTION_KEYS = (
    "restriction:motorcar",
    "restriction:motor_vehicle",
    "restriction:vehicle",
    "restriction",
)
CAR_EXCEPTIONS = frozenset({"motorcar", "motor_vehicle", "vehicle"})


@dataclass
class TurnRestrictions:
    """Restrictions via a node as node indices: arriving at `via` from `from_node`, leaving towards
    `to_node`; `only` marks only_* restrictions."""

    from_node: np.ndarray
    via: np.ndarray
    to_node: np.ndarray
    only: np.ndarray

    @classmethod
    def none(cls) -> TurnRestrictions:
        empty = np.empty(0, dtype=np.int64)
        return cls(empty, empty, empty, np.empty(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.via)

    def mapped(self, new_index: np.ndarray) -> TurnRestrictions:
        """The restrictions on renumbered nodes (new_index[old] = new, or -1 for a dropped node);
        those touching a dropped node go."""
        if len(self) == 0:
            return self
        f, v, t = new_index[self.from_node], new_index[self.via], new_index[self.to_node]
        keep = (f >= 0) & (v >= 0) & (t >= 0)
        return TurnRestrictions(f[keep], v[keep], t[keep], self.only[keep])


@dataclass
class RestrictionReader:
    """Collects restriction relations while an OSM file is read; resolve() turns them into nodes."""

    relations: list[tuple[bool, list[int], list[int], list[int], list[int]]] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"read": 0, "not_for_cars": 0, "via_way": 0, "unresolved": 0, "applied": 0}
    )

    def add(self, tags: Mapping[str, str], members: Iterable[tuple[str, int, str]]) -> None:
        """One relation: its tags and its members as (type "n"/"w", id, role)."""
        if not (tags.get("type") or "").startswith("restriction"):
            return
        self.counts["read"] += 1
        only = restriction_is_only(tags)
        if only is None:
            self.counts["not_for_cars"] += 1
            return
        roles: dict[str, list[int]] = {"from_w": [], "via_n": [], "via_w": [], "to_w": []}
        for kind, ref, role in members:
            roles.setdefault(f"{role}_{kind}", []).append(ref)
        self.relations.append((only, roles["from_w"], roles["via_n"], roles["via_w"], roles["to_w"]))

    def resolve(self, way_nodes: Callable[[int], list[np.ndarray]], node_ids: np.ndarray) -> TurnRestrictions:
        """The restrictions as node indices (node_ids sorted: index i is OSM node node_ids[i]).

        way_nodes(way id) gives the OSM node ids of the way's pieces ([] for a way not read).
        """
        rows: list[tuple[int, int, int, bool]] = []
        for only, froms, vias, via_ways, tos in self.relations:
            if via_ways:
                self.counts["via_way"] += 1
                continue
            if len(vias) != 1:
                self.counts["unresolved"] += 1
                continue
            via = vias[0]
            arrive = _neighbours(froms, via, way_nodes)
            leave = _neighbours(tos, via, way_nodes)
            if not arrive or not leave:
                self.counts["unresolved"] += 1
                continue
            self.counts["applied"] += 1
            rows.extend((f, via, t, only) for f in arrive for t in leave)
        if not rows:
            return TurnRestrictions.none()
        table = np.asarray([row[:3] for row in rows], dtype=np.int64)
        pos = np.minimum(np.searchsorted(node_ids, table), len(node_ids) - 1)
        known = np.all(node_ids[pos] == table, axis=1)
        only_flags = np.asarray([row[3] for row in rows], dtype=bool)
        return TurnRestrictions(pos[known, 0], pos[known, 1], pos[known, 2], only_flags[known])


def restriction_is_only(tags: Mapping[str, str]) -> bool | None:
    """True for an only_* restriction that applies to cars, False for a no_* one, None otherwise."""
    excepted = {part.strip() for part in (tags.get("except") or "").split(";")}
    if excepted & CAR_EXCEPTIONS:
        return None
    value = next((tags[key] for key in CAR_RESTRICTION_KEYS if tags.get(key)), "")
    if value.startswith("only_"):
        return True
    if value.startswith("no_"):
        return False
    return None


def _neighbours(ways: list[int], via: int, way_nodes: Callable[[int], list[np.ndarray]]) -> set[int]:
    """The nodes next to `via` along the given ways."""
    found: set[int] = set()
    for way in ways:
        for nodes in way_nodes(way):
            for pos in np.flatnonzero(nodes == via).tolist():
                if pos > 0:
                    found.add(int(nodes[pos - 1]))
                if pos < len(nodes) - 1:
                    found.add(int(nodes[pos + 1]))
    return found


def forbidden_turns(
    frm: np.ndarray,
    to: np.ndarray,
    arc_via: np.ndarray,
    arc_last_before: np.ndarray,
    arc_first_after: np.ndarray,
    restrictions: TurnRestrictions,
) -> np.ndarray:
    """Which turns (from arc, to arc) the restrictions forbid.

    arc_via[e] is the node an arc arrives at, arc_last_before[e] the node just before it on the
    arc, arc_first_after[e] the node just after the arc's start (all node indices).
    """
    forbidden = np.zeros(len(frm), dtype=bool)
    if len(restrictions) == 0 or len(frm) == 0:
        return forbidden
    span = np.int64(
        max(int(a.max()) for a in (arc_via, arc_last_before, restrictions.via, restrictions.from_node)) + 1
    )
    turn_key = arc_via[frm].astype(np.int64) * span + arc_last_before[frm]
    rule_key = restrictions.via.astype(np.int64) * span + restrictions.from_node
    ti, ri = join_equal(turn_key, rule_key)
    goes_to = arc_first_after[to[ti]] == restrictions.to_node[ri]
    hit = np.where(restrictions.only[ri], ~goes_to, goes_to)
    forbidden[ti[hit]] = True
    return forbidden
