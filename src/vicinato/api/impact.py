"""Impact's REST API (/api/v1/impact/): the estimate anyone may ask for (nothing stored), one's commute profile
(consent, update, withdrawal) and the savings of one's bookings. Thin over impact.services, which decides."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from vicinato.impact import estimates, services
from vicinato.impact.models import BookingImpact
from vicinato.register.models import Place

from .auth import AUTH
from .schemas.common import ErrorOut
from .schemas.impact import EstimateIn, EstimateOut, ImpactOut, ProfileIn, ProfileOut, TotalsOut, WithdrawOut

router = Router(tags=["impact"])
SINCE = Query(None, description="Default: the first day of this month")
UNTIL = Query(None, description="Default: today")
REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _point(point):
    return None if point is None else (point.lat, point.lon)


@router.post(
    "/estimate", response={200: EstimateOut, 422: ErrorOut}, summary="What working at a place would save"
)
def estimate(request, payload: EstimateIn):
    """The round trip to the place (or point) against the round trip to the usual workplace, for a day: minutes,
    km by mode, CO2, NOx and PM10 saved (signed), with the emission factors' version. Nothing is stored; home and
    work are rounded to their 250 m cells first. Field messages for points outside the map, a mode this city
    cannot route, or missing fields."""
    place = None
    if payload.place:
        place = Place.objects.listed().filter(public_id=payload.place).only("lat", "lon").first()
        if place is None:
            raise ValidationError({"place": [_("No listed place has this id.")]})
    return estimates.estimate(
        home=_point(payload.home),
        work=_point(payload.work),
        mode=payload.mode,
        place=place,
        point=_point(payload.point),
        trip_mode=payload.trip_mode,
        arrival=payload.arrival,
        office_days=payload.office_days,
    )


def _profile_out(profile) -> dict:
    return {
        "consented_at": profile.consented_at,
        "usual_mode": profile.usual_mode,
        "office_days": profile.office_days,
        "arrival_time": profile.arrival_time,
        "home": {"lat": profile.home_lat, "lon": profile.home_lon},
        "work": {"lat": profile.work_lat, "lon": profile.work_lon},
        "home_nil": profile.home_area.name if profile.home_area_id else None,
        "work_nil": profile.work_area.name if profile.work_area_id else None,
        "employer": profile.employer_id,
        "updated_at": profile.updated_at,
    }


@router.get("/profile", auth=AUTH, response={200: ProfileOut, **REFUSALS}, summary="Your commute profile")
def get_profile(request):
    profile = services.profile_of(request.user)
    if profile is None:
        raise Http404(_("You have no commute profile; create one with PUT and your consent."))
    return _profile_out(profile)


@router.put("/profile", auth=AUTH, response={200: ProfileOut, **REFUSALS}, summary="Create or update it")
def put_profile(request, payload: ProfileIn):
    """With `consent: true` every time: home and work are kept as the centres of their 250 m cells."""
    profile = services.save_profile(
        request.user,
        consent=payload.consent,
        home=_point(payload.home),
        work=_point(payload.work),
        usual_mode=payload.usual_mode,
        office_days=payload.office_days,
        arrival_time=payload.arrival_time,
        employer=payload.employer,
    )
    return _profile_out(services.profile_of(profile.person))


@router.delete("/profile", auth=AUTH, response={200: WithdrawOut, **REFUSALS}, summary="Withdraw consent")
def delete_profile(request):
    """The profile and its points are deleted; past results stay in the aggregates, no longer linked to you."""
    had = services.profile_of(request.user) is not None
    kept = services.withdraw(request.user)
    return {"withdrawn": had, "results_kept_anonymously": kept}


def _impact_out(impact: BookingImpact) -> dict:
    return {
        "reservation": impact.reservation_id,
        "place": impact.place.public_id,
        "place_name": impact.place.name,
        **{
            f: getattr(impact, f)
            for f in (
                "day trip_mode trip_minutes trip_km avoided_mode avoided_minutes avoided_km saved_minutes "
                "saved_km km_by_mode co2_g nox_g pm10_g into_centre in_peak factors_version"
            ).split()
        },
    }


@router.get(
    "/bookings", auth=AUTH, response={200: list[ImpactOut], **REFUSALS}, summary="Your bookings' savings"
)
def my_impacts(request, since: date | None = None, until: date | None = None):
    impacts = services.person_impacts(request.user)
    if since:
        impacts = impacts.filter(day__gte=since)
    if until:
        impacts = impacts.filter(day__lte=until)
    return [_impact_out(i) for i in impacts[:1000]]


@router.get(
    "/bookings/{reservation_id}", auth=AUTH, response={200: ImpactOut, **REFUSALS}, summary="One booking's"
)
def my_impact(request, reservation_id: int):
    impact = services.person_impacts(request.user).filter(reservation_id=reservation_id).first()
    if impact is None:
        raise Http404(_("No savings are recorded for this booking (yet)."))
    return _impact_out(impact)


@router.get("/totals", auth=AUTH, response={200: TotalsOut, **REFUSALS}, summary="Your totals")
def my_totals(request, since: date | None = SINCE, until: date | None = UNTIL):
    until = until or timezone.localdate()
    since = since or until.replace(day=1)
    if since > until:
        raise ValidationError({"since": [_("Choose a start on or before the end.")]})
    sums = services.totals(BookingImpact.objects.filter(person=request.user, day__gte=since, day__lte=until))
    return {"since": since, "until": until, **sums}
