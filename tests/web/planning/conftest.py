from tests.planning.conftest import *  # noqa: F403  (fixtures)
