"""Shapes of impact's answers: the estimate, one's commute profile, one's bookings' savings and totals."""

from __future__ import annotations

from datetime import date, datetime, time

from ninja import Field, Schema


class PointIn(Schema):
    lat: float
    lon: float


class EstimateIn(Schema):
    home: PointIn | None = Field(None, description="Where you live (kept nowhere; rounded to a 250 m cell)")
    work: PointIn | None = Field(None, description="Your usual workplace")
    mode: str | None = Field(
        None,
        description="How you usually go to work: car_driver, car_passenger, motorbike, transit, bike, walk",
    )
    place: str | None = Field(None, description="The place to work from: its public id")
    point: PointIn | None = Field(None, description="Or any point to work from")
    trip_mode: str | None = Field(None, description="How you would go to the place (default: mode)")
    arrival: time | None = Field(None, description="Arrival time (default 09:00)")
    office_days: int | None = Field(
        None, description="Days a week at the office: adds the figures for a week"
    )


class WeekOut(Schema):
    saved_minutes: float
    co2_g: float


class EstimateOut(Schema):
    mode: str
    trip_mode: str
    trip_minutes: float = Field(description="Round trip home → place → home")
    trip_km: float
    avoided_minutes: float = Field(description="Round trip home → work → home, avoided")
    avoided_km: float
    saved_minutes: float = Field(description="A day, signed: negative when the place is farther")
    saved_km: float
    km_by_mode: dict[str, float]
    co2_g: float
    nox_g: float
    pm10_g: float
    into_centre: bool
    in_peak: bool
    factors_version: str
    office_days: int | None = None
    week: WeekOut | None = None


class ProfileIn(Schema):
    consent: bool = Field(
        False, description="Must be true: you agree that Vicinato keeps your approximate points"
    )
    home: PointIn | None = None
    work: PointIn | None = None
    usual_mode: str | None = None
    office_days: int = 5
    arrival_time: time | None = None
    employer: int | None = Field(None, description="An organisation you are an active affiliate of")


class ProfileOut(Schema):
    consented_at: datetime
    usual_mode: str
    office_days: int
    arrival_time: time
    home: PointIn = Field(description="The centre of your home's 250 m cell (never your address)")
    work: PointIn
    home_nil: str | None
    work_nil: str | None
    employer: int | None
    updated_at: datetime


class WithdrawOut(Schema):
    withdrawn: bool
    results_kept_anonymously: int


class ImpactOut(Schema):
    reservation: int | None
    place: str
    place_name: str
    day: date
    trip_mode: str
    trip_minutes: float
    trip_km: float
    avoided_mode: str
    avoided_minutes: float
    avoided_km: float
    saved_minutes: float
    saved_km: float
    km_by_mode: dict[str, float]
    co2_g: float
    nox_g: float
    pm10_g: float
    into_centre: bool
    in_peak: bool
    factors_version: str


class TotalsOut(Schema):
    since: date
    until: date
    bookings: int
    saved_minutes: float
    saved_km: float
    co2_g: float
    nox_g: float
    pm10_g: float
    into_centre: int
    in_peak: int
