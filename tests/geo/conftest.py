"""Geography's fixtures: two listed places on the real Milan street network by the metro (the pair by the Duomo
and 1.6 km east, `listed_pair`, is everyone's)."""

import pytest

from ..conftest import DUOMO, listed_with_officina

__all__ = ["CADORNA", "DUOMO", "LORETO", "by_the_metro"]

CADORNA = (45.4680, 9.1754)  # M2 (and M1) Cadorna
LORETO = (45.4856, 9.2163)  # M2 Loreto, about 4 km north-east


@pytest.fixture
def by_the_metro(place, register):
    """The test place at Cadorna, and an officina next to Loreto, both listed."""
    return listed_with_officina(
        place,
        register,
        CADORNA,
        name_it="Officina Loreto",
        address="Piazzale Loreto",
        lat=LORETO[0] + 0.0005,
        lon=LORETO[1],
        desks=10,
    )
