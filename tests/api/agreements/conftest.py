"""The agreements API's tests stand on the agreements' fixtures: hosts, guests, their people, desks."""

from tests.agreements.conftest import *  # noqa: F403  (fixtures)
