"""Shapes of the booking's requests and answers (/api/v1/booking/)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from ninja import Field, Schema

from vicinato.booking import queries

from .common import OpeningInterval


# --- resources, availability and reservations --------------------------------------------------------------
class ResourceOut(Schema):
    id: int
    place: str
    kind: str
    kind_label: str
    name: str
    capacity: int
    slot_minutes: int
    min_minutes: int
    max_minutes: int
    min_notice_minutes: int
    max_days_ahead: int
    buffer_minutes: int
    max_per_day_per_person: int | None
    max_per_week_per_person: int | None
    requires_approval: bool
    checkin_window_minutes: int
    cancellation_deadline_minutes: int
    who_may_book: str
    organisations: list[int] = Field(description="Ids of the organisations whose members may book")
    price_cents_per_slot: int
    price_cents_per_day: int | None = Field(
        description="A day pass: no booking costs more for each Rome calendar day it covers; with no price per "
        "slot, each day costs this. null: no price per day"
    )
    price_cents_per_month: int | None = Field(
        description="A monthly pass (see /resources/{id}/passes): its holder's bookings in that Rome calendar "
        "month cost nothing for one unit. null: no monthly pass"
    )
    has_named_units: bool = Field(
        description="Its units have names (see /resources/{id}/units): a booking holds one, chosen or any free"
    )
    offer_minutes: int
    is_active: bool
    name_it: str
    name_en: str


class SlotOut(Schema):
    resource: int
    start: datetime
    end: datetime
    free: int
    units: list[int] | None = Field(
        None, description="Of a resource with named units: the ids of those free for the whole slot"
    )


def trip_mode_field():
    return Field(
        None,
        description="How you will come to the place, counted in the booking's savings once you have a commute "
        "profile (impact): car_driver, car_passenger, motorbike, transit, bike, walk; null or empty: your usual "
        "mode",
    )


class ReservationIn(Schema):
    resource: int
    start: datetime
    end: datetime
    units: int = 1
    unit: int | None = Field(
        None, description="Of a resource with named units: the id of the one to book; null: any free one"
    )
    trip_mode: str | None = trip_mode_field()


class ReservationOut(Schema):
    id: int
    resource: int
    place: str
    start: datetime
    end: datetime
    units: int
    unit: int | None = Field(None, description="The named unit it holds, if the resource has named units")
    unit_name: str | None = None
    state: str
    price_cents: int
    series: int | None
    monthly_pass: int | None = Field(
        None, description="The person's monthly pass that covers one unit of its price (see /passes)"
    )
    checkin_code: str | None = Field(None, description="Shown to the person who booked, to type at check-in")


class VoucherCoverOut(Schema):
    programme: int
    programme_name: str
    covered: bool = Field(
        description="false: the programme does not cover this booking (see valid_from/until)"
    )
    price: Decimal = Field(description="EUR, as price_cents")
    subsidy: Decimal = Field(
        description="EUR the programme pays of the price (less than its share when `note`)"
    )
    pays: Decimal = Field(description="EUR left for the person to pay")
    note: str = Field("", description="Why the subsidy is smaller than the share, or was released")
    valid_from: date | None = Field(None, description="When not covered: the programme's first day")
    valid_until: date | None = Field(None, description="When not covered: the programme's last day")
    outside_period: bool = Field(
        False,
        description="true: not covered, because the booking's date falls outside the programme's period",
    )
    price_cents: int = Field(description="The booking's price, in cents of `currency`")
    subsidy_cents: int = Field(description="What the programme pays of the price, in cents of `currency`")
    pays_cents: int = Field(description="What is left for the person to pay, in cents of `currency`")
    currency: str = Field("EUR", description="ISO 4217 code of the amounts")


class ReservationDetailOut(ReservationOut):
    """A reservation as its person's lists and its own page give it: with what a voucher covers."""

    voucher: VoucherCoverOut | None = Field(
        None, description="The share of a voucher programme of the person's; null when none has a say"
    )


class ReasonIn(Schema):
    reason: str = ""


class RescheduleIn(Schema):
    start: datetime
    end: datetime
    unit: int | None = Field(
        None,
        description="Of a resource with named units: the id of the one to move to; null: keep its unit if free, "
        "else any free one",
    )
    reason: str = Field("", max_length=500, description="Told to the person in the mail about the change")


class CheckInIn(Schema):
    code: str


class FeedOut(Schema):
    url: str


# --- waiting lists -----------------------------------------------------------------------------------------
class WaitingListIn(Schema):
    resource: int
    start: datetime
    end: datetime
    units: int = 1


class WaitingListOut(Schema):
    id: int
    resource: int
    place: str
    resource_name: str
    start: datetime
    end: datetime
    units: int
    position: int = Field(
        description="Order of joining the resource's waiting list (a counter, not the rank)"
    )
    line_position: int | None = Field(
        description="1 = next to get an offer, among those waiting for an overlapping time; null unless waiting"
    )
    state: str = Field(description="waiting, offered (accept before offer_expires_at), accepted or expired")
    offer_expires_at: datetime | None
    unit: int | None = Field(None, description="The named desk an offer holds (null: identical units)")
    unit_name: str | None = None
    reservation: int | None = Field(description="The booking made by accepting the offer")


class OperatorWaitingListOut(WaitingListOut):
    person: str = Field(description="The name of the person waiting")


# --- the place's operators: resources, blocks, day plans ---------------------------------------------------
class ResourceIn(Schema):
    """The resource's fields; on update, those left out keep their value. See ResourceOut for their meaning."""

    kind: str | None = None
    name_it: str | None = None
    name_en: str | None = None
    capacity: int | None = None
    is_active: bool | None = None
    slot_minutes: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    buffer_minutes: int | None = None
    min_notice_minutes: int | None = None
    max_days_ahead: int | None = None
    cancellation_deadline_minutes: int | None = None
    checkin_window_minutes: int | None = None
    max_per_day_per_person: int | None = Field(None, description="null: no limit")
    max_per_week_per_person: int | None = Field(None, description="null: no limit")
    who_may_book: str | None = Field(None, description="everyone, members (give organisations), agreement")
    organisations: list[int] | None = Field(None, description="Only with who_may_book=members; else dropped")
    requires_approval: bool | None = None
    offer_minutes: int | None = None
    price_cents_per_slot: int | None = None
    price_cents_per_day: int | None = Field(None, description="null: no price per day")
    price_cents_per_month: int | None = Field(
        None,
        description="The price of a monthly pass; null: no monthly pass (not with who_may_book=agreement)",
    )


class OperatorReservationOut(ReservationOut):
    person: str = Field(description="The name of the person who booked")
    resource_name: str


class BlockIn(Schema):
    resource: int
    unit: int | None = Field(
        None,
        description="Close only this named unit (an active one of the resource); none: the whole resource",
    )
    start: datetime
    end: datetime
    reason_it: str = Field(
        "",
        max_length=200,
        description="Shown to people reading Italian (or English, when reason_en is empty)",
    )
    reason_en: str = Field(
        "",
        max_length=200,
        description="Shown to people reading English (or Italian, when reason_it is empty)",
    )
    reason: str = Field("", max_length=200, description="Deprecated: read as reason_it when that is empty")
    cancel_affected: bool = Field(
        False,
        description="Also cancel the bookings in the period (needs a reason); each person is told the reason "
        "in the request's language",
    )


class BlockOut(Schema):
    id: int
    resource: int
    unit: int | None = Field(None, description="The named unit it closes; null: the whole resource")
    unit_name: str | None = None
    start: datetime
    end: datetime
    reason: str = Field(description="In the request's language, or the other one when only that was written")
    reason_it: str
    reason_en: str


class KeptOut(Schema):
    reservation: int
    reason: str = Field(description="Why it could not be cancelled")


class CancelledOut(Schema):
    cancelled: list[OperatorReservationOut]
    kept: list[KeptOut]


class BlockCreatedOut(CancelledOut):
    block: BlockOut
    affected: list[OperatorReservationOut] = Field(description="The bookings in the period, as they were")


class CancelAffectedIn(Schema):
    reason: str


class LiftOut(Schema):
    offers: int = Field(description="How many people on the waiting list got an offer")


class DayPlanOut(Schema):
    day: date
    reservations: list[OperatorReservationOut]
    blocks: list[BlockOut]
    slots: list[SlotOut]


class MovedOut(Schema):
    moved: list[OperatorReservationOut] = Field(description="The bookings moved, with their new unit")


# --- named units (desks "A1", "Window 3") ------------------------------------------------------------------
class UnitOut(Schema):
    id: int
    resource: int
    name: str
    name_it: str
    name_en: str
    order: int = Field(description="Lower first; a booking without a unit takes the first free one")
    is_active: bool


class UnitIn(Schema):
    name_it: str = Field(max_length=100)
    name_en: str = Field("", max_length=100)


class UnitPatchIn(Schema):
    """The fields sent change; the others keep their value."""

    name_it: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    order: int | None = None
    is_active: bool | None = None
    move_bookings: bool = Field(
        False, description="On deactivating: move its bookings ahead to other free units (else 422 if any)"
    )


class UnitChangedOut(UnitOut):
    moved: list[int] = Field(description="The reservations moved to another unit")


# --- series ------------------------------------------------------------------------------------------------
class SeriesIn(Schema):
    resource: int
    weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday")
    start_time: time
    end_time: time
    first_date: date
    until_date: date
    trip_mode: str | None = trip_mode_field()


class ConflictOut(Schema):
    date: date
    reason: str = Field(description="Why this date was not booked")


class SeriesOut(Schema):
    id: int
    resource: int
    weekdays: list[int]
    start_time: time
    end_time: time
    first_date: date
    until_date: date
    reservations: list[ReservationOut]
    conflicts: list[ConflictOut]


class SeriesCancelIn(Schema):
    from_date: date | None = Field(None, description="Cancel the dates from this one on; default: today")
    reason: str = ""


class SeriesSummaryOut(Schema):
    id: int
    resource: int
    place: str
    resource_name: str
    weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday")
    start_time: time
    end_time: time
    first_date: date
    until_date: date
    states: dict[str, int] = Field(description="How many of its dates are in each state")


class SeriesDetailOut(SeriesSummaryOut):
    reservations: list[ReservationDetailOut] = Field(description="Its dates, by start")


class OperatorSeriesOut(SeriesSummaryOut):
    person: str = Field(description="The name of the person who booked")


# --- histories and opening days ----------------------------------------------------------------------------
class ReservationEventOut(Schema):
    action: str = Field(description="create, confirm, reject, cancel, check_in, no_show, complete")
    from_state: str | None
    to_state: str
    state_label: str = Field(description="The state after the change, in the request's language")
    at: datetime
    by: queries.By = Field(description="person (who booked), place (its staff) or system (the platform)")
    actor: str | None = Field(description="The name of who made the change: for the place's staff only")
    note: str = Field(description="The reason given, if any")


class ClosureOut(Schema):
    start_date: date
    end_date: date = Field(description="Included")
    reason: str


class IntervalOut(Schema):
    opens: datetime
    closes: datetime


class OpeningDayOut(Schema):
    day: date
    intervals: list[IntervalOut] = Field(description="When bookings may be made; none: closed all day")
    closure: ClosureOut | None = Field(description="The dated closure that closes the day, if any")


class OpeningOut(Schema):
    place: str
    weekly: list[OpeningInterval] = Field(description="The usual opening hours per weekday")
    closures: list[ClosureOut] = Field(description="Dated closures (holidays, works) meeting the period")
    days: list[OpeningDayOut]


# --- monthly passes --------------------------------------------------------------------------------------------
class PassIn(Schema):
    month: str = Field(
        pattern=r"^[1-9]\d{3}-(0[1-9]|1[0-2])$",
        description="The calendar month (Rome time), YYYY-MM: e.g. 2026-12",
    )


class PassOut(Schema):
    id: int
    resource: int
    resource_name: str
    place: str
    month: str = Field(description="YYYY-MM")
    month_label: str = Field(description="The month in words, in the request's language")
    price_cents: int
    currency: str = "EUR"
    state: str = Field(description="active or cancelled")
    created_at: datetime
    cancelled_at: datetime | None
    cancellable: bool = Field(description="Whether it can still be cancelled: active and its month not begun")
