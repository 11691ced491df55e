"""Which street network serves which municipality, as the database says, and this process's copy of it.

The rows (StreetNetwork, MunicipalNetwork) and two tokens (RoutingVersion "networks" and "places") are the
state that every process shares, on one machine or many. A process looks at the tokens at most once a
second (CHECK_EVERY_S); when one changed it loads the networks again (the graphs from its own data folder,
built there from the extract kept in the database when missing) or brings its indexes of places up to date.
No file is shared between processes and nothing is locked but database rows.

The site's own municipality (settings.SITE_MUNICIPALITY) is served by the configured extract
(settings.ROUTING_OSM_FILE) until an import gives it a network of its own; a point outside every known
municipality, or in one without an ISTAT code, is searched there too (and is refused if it is far from its
streets). A municipality with a code and no network has no travel times: `for_municipality()` answers None.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils.translation import gettext as _

from vicinato.routing import Network, RoutingSettings, StreetIndex
from vicinato.routing.files import write_atomically
from vicinato.routing.network import CACHE_FORMAT_VERSION

from .models import Municipality, MunicipalNetwork, RoutingVersion, StreetNetwork, TransitFeed
from .services import clear_location_cache

CHECK_EVERY_S = 1.0
NETWORKS, PLACES = "networks", "places"
CONFIGURED = "configured"
ISTAT_CODE = re.compile(r"^\d{6}$")

# (path on this machine, feed id ("" for the file's name), SHA-256 of a stored TransitFeed ("" for a configured one))
Feeds = tuple[tuple[str, str, str], ...]


class NetworkError(Exception):
    """An import that cannot be done as asked; the message says what to do."""


@dataclass(frozen=True)
class Source:
    """A street network as searches use it; `key` names it in this process's caches and index files."""

    key: str
    name: str
    network_id: int | None  # None: the configured extract
    sha256: str  # "" for the configured extract (its graphs say it)
    feeds: Feeds  # the public transport feeds on its walk graph (none: no public transport)


@dataclass(frozen=True)
class State:
    networks: str  # the tokens the state was read at
    places: str
    by_code: dict[str, Source]

    @property
    def default(self) -> Source:
        """The network of the site's municipality."""
        return self.by_code.get(settings.SITE_MUNICIPALITY) or configured_source()


def routing_settings() -> RoutingSettings:
    return RoutingSettings(
        walk_speed_kmh=settings.ROUTING_WALK_SPEED_KMH, bike_speed_kmh=settings.ROUTING_BIKE_SPEED_KMH
    )


def configured_feeds() -> Feeds:
    return tuple((str(Path(path)), "", "") for path in settings.TRANSIT_FEEDS if Path(path).exists())


def configured_source() -> Source:
    return Source(CONFIGURED, Path(settings.ROUTING_OSM_FILE).name, None, "", configured_feeds())


# --- the state, checked at most once a second -------------------------------------------------------------------
_lock = threading.RLock()
_state: State | None = None
_checked_at = 0.0
_listeners: list[Callable[[State, State | None], None]] = []


def on_change(listener: Callable[[State, State | None], None]) -> None:
    """Call `listener(new, old)` whenever this process sees new tokens (the caches built on them go)."""
    _listeners.append(listener)


def expire() -> None:
    """Look at the database again at the next question (this process changed it, or a test began)."""
    global _checked_at
    _checked_at = 0.0


def state() -> State:
    """The networks and places as the database says now (looked at again after CHECK_EVERY_S)."""
    global _state, _checked_at
    held = _state
    if held is not None and time.monotonic() - _checked_at < CHECK_EVERY_S:
        return held
    with _lock:
        old = _state
        if old is not None and time.monotonic() - _checked_at < CHECK_EVERY_S:
            return old
        try:
            tokens = dict(RoutingVersion.objects.values_list("name", "token"))
            networks, places = tokens.get(NETWORKS, ""), tokens.get(PLACES, "")
            if old is not None and old.networks == networks:
                new = State(networks, places, old.by_code)
            else:
                new = State(networks, places, _read_rows())
        except OperationalError:
            # The tables are locked by a writer (SQLite's shared-cache connections, as the tests use, wait for
            # no one): keep what was read before and look again in a second.
            _state, _checked_at = old or State("", "", {}), time.monotonic()
            return _state
        _state, _checked_at = new, time.monotonic()
    if old is None or (old.networks, old.places) != (new.networks, new.places):
        if old is not None and old.networks != new.networks:
            clear_location_cache()  # boundaries may have come with the networks
        for listener in _listeners:
            listener(new, old)
    return new


def _read_rows() -> dict[str, Source]:
    site = settings.SITE_MUNICIPALITY
    rows = list(MunicipalNetwork.objects.select_related("network").defer("network__source_file"))
    serves_site = {row.network_id for row in rows if row.istat_code == site}
    sources: dict[int, Source] = {}
    for row in rows:
        network = row.network
        if network.pk not in sources:
            feeds = network.transit_feeds
            if feeds is None:
                resolved = configured_feeds() if network.pk in serves_site else ()
            else:
                resolved = tuple(
                    (str(stored_feed_path(f["sha256"], f["name"])), f["feed_id"], f["sha256"]) for f in feeds
                )
            sources[network.pk] = Source(
                f"n{network.pk}-{network.source_sha256[:12]}",
                network.source_name,
                network.pk,
                network.source_sha256,
                resolved,
            )
    return {row.istat_code: sources[row.network_id] for row in rows}


def bump(name: str) -> None:
    """Give `name` a new token, in the caller's transaction: every process sees the change once it commits."""
    if not RoutingVersion.objects.filter(name=name).update(token=uuid.uuid4().hex):
        RoutingVersion.objects.update_or_create(name=name, defaults={"token": uuid.uuid4().hex})
    # This process looks again at once (its own connection sees the new token) and once more after the commit.
    expire()
    transaction.on_commit(expire)


# --- which network serves a point, a municipality --------------------------------------------------------------
def for_municipality(municipality: Municipality | None) -> Source | None:
    """The network of a municipality (None: it has none); the site's, for no municipality and for one without
    an ISTAT code (which cannot be given a network of its own: areas imported before the codes were)."""
    current = state()
    if municipality is None or municipality.istat_code in ("", settings.SITE_MUNICIPALITY):
        return current.default
    return current.by_code.get(municipality.istat_code)


def default() -> Source:
    return state().default


# --- the graphs and street names of a network, in this process ------------------------------------------------
_graphs: dict[str, Network] = {}
_streets: dict[str, StreetIndex] = {}


def source_file(source: Source) -> Path:
    """The extract of a network on this machine: written into the data folder from the database if missing."""
    if source.network_id is None:
        return Path(settings.ROUTING_OSM_FILE)
    path = settings.ROUTING_CACHE_DIR / "sources" / f"{source.sha256[:16]}-{source.name}"
    if not path.exists():
        _write(
            path, bytes(StreetNetwork.objects.values_list("source_file", flat=True).get(pk=source.network_id))
        )
    return path


def graphs(source: Source, keep: Callable[[object], object] = lambda value: value) -> Network:
    """The graphs of a network (loaded once per process; `keep` marks what stays for the process's life)."""
    return _held(
        _graphs,
        source,
        lambda path: Network.load_or_build(path, settings.ROUTING_CACHE_DIR, routing_settings()),
        keep,
    )


def streets(source: Source, keep: Callable[[object], object] = lambda value: value) -> StreetIndex:
    """The street names and house numbers of a network, for geocoding."""
    return _held(
        _streets, source, lambda path: StreetIndex.load_or_build(path, settings.ROUTING_CACHE_DIR), keep
    )


def _held(cache: dict, source: Source, load: Callable[[Path], object], keep: Callable[[object], object]):
    held = cache.get(source.key)
    if held is None:
        with _lock:
            held = cache.get(source.key)
            if held is None:
                held = cache[source.key] = keep(load(source_file(source)))
    return held


def _drop_unused(new: State, old: State | None) -> None:
    if old is None or old.networks == new.networks:
        return
    used = {s.key for s in new.by_code.values()} | {CONFIGURED}
    for cache in (_graphs, _streets):
        for key in [k for k in cache if k not in used]:
            cache.pop(key, None)


on_change(_drop_unused)


# --- imports ----------------------------------------------------------------------------------------------------
def check_codes(codes: list[str]) -> list[str]:
    """ISTAT codes of known municipalities (the site's own may have no boundary yet); one refusal each."""
    codes = list(dict.fromkeys(code.strip() for code in codes))
    for code in codes:
        if not ISTAT_CODE.match(code):
            raise NetworkError(
                _("'%(code)s' is not an ISTAT code; give the municipality's six digits (Milan: 015146).")
                % {"code": code}
            )
        if code != settings.SITE_MUNICIPALITY and not Municipality.objects.filter(istat_code=code).exists():
            raise NetworkError(
                _("No municipality has ISTAT code %(code)s; import the municipalities' boundaries first.")
                % {"code": code}
            )
    return codes


def import_network(path: Path, codes: list[str]) -> Network:
    """Build (or load) the graphs of an extract and make it the network of these municipalities only (the
    site's when none is given); other municipalities keep theirs. Returns the graphs."""
    codes = check_codes(codes or [settings.SITE_MUNICIPALITY])
    built = Network.load_or_build(path, settings.ROUTING_CACHE_DIR, routing_settings())
    with transaction.atomic():
        previous = MunicipalNetwork.objects.filter(istat_code=codes[0]).select_related("network").first()
        row = StreetNetwork.objects.create(
            source_name=Path(path).name[-150:],
            source_sha256=built.source_sha256,
            source_file=Path(path).read_bytes(),
            settings_hash=routing_settings().graph_key(),
            build_version=CACHE_FORMAT_VERSION,
            # The municipalities keep their public transport, which the new walk graph carries.
            transit_feeds=previous.network.transit_feeds if previous else None,
        )
        for code in codes:
            MunicipalNetwork.objects.update_or_create(istat_code=code, defaults={"network": row})
        StreetNetwork.objects.filter(served__isnull=True).delete()  # networks no municipality uses any more
        bump(NETWORKS)
    return built


def network_of(code: str) -> Source:
    """The network of a municipality by its ISTAT code (the site's may be the configured one)."""
    current = state()
    found = current.by_code.get(code) or (current.default if code == settings.SITE_MUNICIPALITY else None)
    if found is None:
        raise _without_network(code)
    return found


def _without_network(code: str) -> NetworkError:
    return NetworkError(
        _("Municipality %(code)s has no street network; import its extract first (vicinato import-osm).")
        % {"code": code}
    )


def set_feeds(codes: list[str], feeds: list) -> list[Source]:
    """Make these feeds (GTFSSource) the public transport of these municipalities' networks (the site's when none
    is given): the networks shared with other municipalities change for those too. The feeds are kept in the
    database (TransitFeed), which every process reads them from."""
    codes = check_codes(codes or [settings.SITE_MUNICIPALITY])
    site = settings.SITE_MUNICIPALITY
    if site in codes and not MunicipalNetwork.objects.filter(istat_code=site).exists():
        import_network(Path(settings.ROUTING_OSM_FILE), [site])  # the configured extract, as a row of its own
    rows = {row.istat_code: row.network_id for row in MunicipalNetwork.objects.filter(istat_code__in=codes)}
    for code in codes:
        if code not in rows:
            raise _without_network(code)
    with transaction.atomic():
        chosen = [_store_feed(feed) for feed in feeds]
        StreetNetwork.objects.filter(pk__in=set(rows.values())).update(transit_feeds=chosen)
        used = {
            entry["sha256"]
            for entries in StreetNetwork.objects.exclude(transit_feeds=None).values_list(
                "transit_feeds", flat=True
            )
            for entry in entries or ()
        }
        TransitFeed.objects.exclude(sha256__in=used).delete()  # feeds no network uses any more
        bump(NETWORKS)
    expire()
    current = state()
    return [current.by_code[code] for code in codes]


def stored_feed_path(sha256: str, name: str) -> Path:
    """Where a stored feed is on this machine (written by feed_files() when missing)."""
    return settings.ROUTING_CACHE_DIR / "feeds" / sha256[:16] / name


def feed_files(source: Source) -> list[tuple[Path, str]]:
    """The feeds of a network on this machine, as (file, feed id): a stored feed is written into the data folder
    from the database when missing; a configured one that is not there is left out."""
    found = []
    for path, feed_id, sha256 in source.feeds:
        path = Path(path)
        if sha256 and not path.exists():
            content = TransitFeed.objects.filter(sha256=sha256).values_list("content", flat=True).first()
            if content is not None:
                _write(path, bytes(content))
        if path.exists():
            found.append((path, feed_id))
    return found


def _store_feed(feed) -> dict:
    """Keep a feed in the database (once per content) and in this machine's data folder; its entry in a network."""
    if feed.path.is_dir():
        buffer = io.BytesIO()
        with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
            for member in sorted(feed.path.glob("*.txt")):
                archive.write(member, member.name)
        content, name = buffer.getvalue(), f"{feed.path.name}.zip"
    else:
        content, name = feed.path.read_bytes(), feed.path.name
    sha256 = hashlib.sha256(content).hexdigest()
    name = name[-150:]
    stored, _ = TransitFeed.objects.only("sha256", "name").get_or_create(
        sha256=sha256, defaults={"name": name, "content": content}
    )  # the same content stored earlier keeps its first name (and its file on every machine)
    name = stored.name
    path = stored_feed_path(sha256, name)
    if not path.exists():
        _write(path, content)
    return {"sha256": sha256, "name": name, "feed_id": feed.feed_id}


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda handle: handle.write(content))
