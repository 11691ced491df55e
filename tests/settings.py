"""The project's settings for the test suite, with a data folder of the test session's own.

The suite never reads or writes the checkout's `var/` (or the folder in VICINATO_DATA_DIR): the embedded
database, uploads, static files and routing caches of a test session live in a temporary folder, removed when
the session ends. Whatever a person imported in their checkout (another city's extract) changes nothing here.
"""

import atexit
import os
import secrets
import shutil
import tempfile

_DATA_DIR = tempfile.mkdtemp(prefix="vicinato-tests-")
atexit.register(shutil.rmtree, _DATA_DIR, ignore_errors=True)
os.environ["VICINATO_DATA_DIR"] = _DATA_DIR
# A signing key of the session's own (never a fixed one; nothing written to a data folder).
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
# The second factor of staff is off, as in development; its own tests turn it on (tests/web/site/test_second_factor.py).
os.environ.setdefault("VICINATO_STAFF_SECOND_FACTOR", "0")
# Folders and files that a person may have pointed elsewhere: the tests use the defaults under _DATA_DIR.
for _name in (
    "VICINATO_ROUTING_CACHE_DIR",
    "VICINATO_ROUTING_INDEX_DIR",
    "VICINATO_OSM_FILE",
    "VICINATO_GTFS_FILES",
    "VICINATO_PRIVATE_ROOT",
):
    os.environ.pop(_name, None)

# The tests run with DEBUG off, where no tile server is the default: the pages' tests ask for OpenStreetMap's tiles
# (the browser refuses every request to another host), so that the fallback to the vector layers is what they see.
os.environ.setdefault("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

from vicinato.settings import *  # noqa: E402,F403
