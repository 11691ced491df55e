"""Areas (municipality, districts, neighbourhoods) and transit stops of a city."""

from __future__ import annotations

import json
from functools import cached_property

import shapely
from django.db import models
from django.utils.translation import gettext_lazy as _
from shapely.geometry import mapping, shape


class Municipality(models.Model):
    """A comune: owns its boundary, its areas and its stops."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    istat_code = models.CharField(_("ISTAT code"), max_length=6, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    population = models.PositiveIntegerField(_("residents"), null=True, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def shape(self):
        return shape(self.boundary) if self.boundary else None


class Area(models.Model):
    """A district (Municipio) or a neighbourhood (NIL, Nucleo d'Identità Locale) of a municipality."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("District (Municipio)")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood (NIL)")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="areas")
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    population = models.PositiveIntegerField(_("residents"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("district"),
    )
    geometry = models.JSONField(_("geometry (GeoJSON)"))
    # A lighter copy (about 5 m tolerance) for maps in the browser.
    outline = models.JSONField(_("outline for maps (GeoJSON)"), null=True, blank=True)
    # Bounding box, so that point-in-polygon only tests the few candidates that can match.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "level", "code"], name="unique_area_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        if self.level == self.Level.DISTRICT:
            return str(_("Municipio %(code)s") % {"code": self.code})
        return self.name

    @cached_property
    def shape(self):
        return shape(self.geometry)

    def geojson_feature(self) -> dict:
        return {
            "type": "Feature",
            "id": f"{self.level}-{self.code}",
            "geometry": self.outline or self.geometry,
            "properties": {
                "code": self.code,
                "name": self.label,
                "level": self.level,
                "population": self.population,
            },
        }

    def set_geometry(self, geometry: dict) -> None:
        self.geometry = geometry
        full = shape(geometry)
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = full.bounds
        light = shapely.set_precision(full.simplify(0.00005, preserve_topology=True), 0.00001)
        self.outline = json.loads(json.dumps(mapping(light)))


class Stop(models.Model):
    """A public transport stop or station (metro stations for the demo)."""

    class Kind(models.TextChoices):
        METRO = "metro", _("Metro station")
        RAIL = "rail", _("Railway station")
        TRAM = "tram", _("Tram stop")
        BUS = "bus", _("Bus stop")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="stops")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.METRO)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    lines = models.CharField(_("lines"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "code"], name="unique_stop_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "lines": self.lines, "lat": self.lat, "lon": self.lon})


class StreetNetwork(models.Model):
    """One imported street network (an OpenStreetMap extract): every process builds its graphs from this row.

    The extract itself is kept here too, so that a server on another machine builds the same graphs without
    sharing a folder; each process keeps its graphs in its own data folder, named by the file's hash."""

    source_name = models.CharField(_("file name"), max_length=200)
    source_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    source_file = models.BinaryField(_("OpenStreetMap extract"), editable=False)
    settings_hash = models.CharField(_("hash of the routing settings"), max_length=64)
    build_version = models.PositiveIntegerField(_("version of the graph format"))
    # GTFS feeds of the network's public transport: [{"sha256", "name", "feed_id"}], each a TransitFeed; null for
    # the configured default feeds (the site's own municipality only).
    transit_feeds = models.JSONField(_("public transport feeds"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("street network")
        verbose_name_plural = _("street networks")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.source_sha256[:12]})"


class TransitFeed(models.Model):
    """A GTFS feed as `vicinato import-gtfs` took it (a folder of .txt files is kept zipped): like an extract, kept
    in the database so that a server on another machine builds the same timetable without sharing a folder. Each
    process writes it into its own data folder, named by its hash, when it first needs it."""

    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("GTFS feed"), editable=False)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("public transport feed")
        verbose_name_plural = _("public transport feeds")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class MunicipalNetwork(models.Model):
    """Which street network serves a municipality (by its ISTAT code): searches from a point inside it use
    that network, and only it."""

    istat_code = models.CharField(_("ISTAT code"), max_length=6, unique=True)
    network = models.ForeignKey(
        StreetNetwork, on_delete=models.CASCADE, related_name="served", verbose_name=_("street network")
    )

    class Meta:
        verbose_name = _("network of a municipality")
        verbose_name_plural = _("networks of municipalities")
        ordering = ["istat_code"]

    def __str__(self) -> str:
        return f"{self.istat_code}: {self.network}"


class RoutingVersion(models.Model):
    """A token that changes whenever what it names changes ("networks": which network serves which
    municipality; "places": the listed places). Every process compares it with the one its caches were
    built from, at most once a second, and loads or updates them when it differs."""

    name = models.CharField(max_length=20, unique=True)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} {self.token}"


class Address(models.Model):
    """A house number of a street, from the municipality's official list (`vicinato import-addresses`)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("municipality")
    )
    street = models.CharField(_("street"), max_length=200)
    # The street and number as the geocoder compares them (lower case, no accents, abbreviations written out).
    street_key = models.CharField(max_length=200)
    number = models.CharField(_("house number"), max_length=20)
    number_key = models.CharField(max_length=20)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "street_key", "number_key"], name="unique_address_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.street} {self.number}"
