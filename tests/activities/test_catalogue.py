"""An organisation's administrators create its services at listed places and make staff advisors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import list_place
from vicinato.activities.services import catalogue


def test_a_service_at_a_listed_place(union_admin, other_organisation, place, register):
    with pytest.raises(ValidationError) as error:
        catalogue.save_service(
            union_admin, other_organisation, [place], kind="legal", name_it="Legale", modes=["in_person"]
        )
    assert error.value.message_dict["places"] == ["Choose places listed in a register (or your own)."]
    list_place(place, register)
    service = catalogue.save_service(
        union_admin,
        other_organisation,
        [place],
        kind="legal",
        name_it="Legale",
        modes=["in_person", "video"],
        minutes=45,
    )
    assert list(service.places.all()) == [place] and service.minutes == 45
    with pytest.raises(ValidationError) as error:
        catalogue.save_service(union_admin, other_organisation, [], kind="nope", name_it=" ", modes=[])
    assert set(error.value.message_dict) == {"kind", "name_it", "modes", "places"}


def test_only_administrators_manage_services(advisor_user, other_organisation, place):
    with pytest.raises(PermissionDenied):
        catalogue.save_service(
            advisor_user, other_organisation, [place], kind="legal", name_it="X", modes=["phone"]
        )


def test_staff_become_advisors_others_must_join_first(
    union_admin, other_organisation, service, user_factory, advisor_user
):
    with pytest.raises(ValidationError, match="Add this person to the organisation's staff first"):
        catalogue.add_advisor(
            union_admin, other_organisation, user_factory("stranger").username, "", [service]
        )
    advisor = catalogue.add_advisor(union_admin, other_organisation, advisor_user.username, "", [service])
    assert advisor.display_name == "Paola Rossi" and list(advisor.services.all()) == [service]
