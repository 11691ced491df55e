"""Public transport for Vicinato: GTFS feeds, timetable arrays, RAPTOR on foot and by transit, itineraries.

Pure Python (numpy, scipy; the searches compiled with numba); no Django. Start with
Timetable.load_or_build() and TransitRouter; the routing README's "Public transport" section
describes the API, the rules and the cache.
"""

from .calendar import ServiceDay
from .errors import GTFSError, TransitError
from .feed import GTFSSource, read_feed, route_mode
from .isochrone import TransitTimes
from .itinerary import Itinerary, Journey, Option, RideLeg, WalkLeg
from .reach import TransitReach
from .router import TransitRouter, TransitTable
from .settings import TransitSettings
from .timetable import Timetable, timetable_file_name

__all__ = [
    "GTFSError",
    "GTFSSource",
    "Itinerary",
    "Journey",
    "Option",
    "RideLeg",
    "ServiceDay",
    "Timetable",
    "TransitError",
    "TransitReach",
    "TransitRouter",
    "TransitSettings",
    "TransitTable",
    "TransitTimes",
    "WalkLeg",
    "read_feed",
    "route_mode",
    "timetable_file_name",
]
