"""The booking engine: every booking, reschedule, transition, block, series and waiting list goes through
these service functions, the one place that decides; pages, API and commands call them alike.

One module a family of actions (`common` and `capacity` first; each imports only those before it):

- `common`: what every family of booking actions shares: the refusals, times in words, the resource as the locking query reads it.
- `capacity`: how many units are held when: reservations, open offers and blocks of named units, in one query.
- `unit_choice`: which named unit (desk A1, Window 3) a booking holds: the one asked for if free, else the first free one.
- `rules`: the rules of a resource that refuse a booking, each a small function with the code it answers with.
- `passes`: monthly passes: taken for a calendar month of a resource, they make its bookings then cost nothing.
- `reservations`: booking a resource: the locking read, every rule and the capacity, the insert, the idempotency key.
- `waiting_list`: waiting lists: joining, offers of freed units held for a time, accepting and leaving.
- `reschedule`: rescheduling a booking: another time (or desk) in place, the same id, code and calendar event.
- `transitions`: a reservation's transitions (confirm, reject, cancel, check in...) and the check-in by code.
- `jobs`: what the scheduled jobs do every minute: no-shows released, finished bookings completed, offers expired.
- `blocks`: the place's staff block a resource or one desk, and what happens to the bookings it covers.
- `availability`: free units per slot, what a calendar offers a person, and the day plan of a place.
- `actions`: what a person may do to a booking now (the buttons and the API's hints).
- `series`: a booking repeated on chosen weekdays until a date, with the dates that cannot be booked reported.
"""

from .actions import allowed_actions
from .availability import DayPlan, Slot, availability, day_plan, offered_slots
from .blocks import block_resource, bookings_in_block, cancel_affected, lift_block, peak_held_from
from .capacity import active_units, free_units
from .common import (
    PLACE_COLUMNS,
    RESOURCE_COLUMNS,
    RULE_CODES,
    BookingError,
    Refusal,
    duration_text,
    place_from_columns,
    reason_required,
    resource_from_columns,
)
from .jobs import complete_finished, expire_offers, release_no_shows, run_scheduled_jobs
from .passes import buy_pass, cancel_pass, holding_pass, month_text, pass_cancellable, pass_months
from .reschedule import RESCHEDULABLE_STATES, reschedule
from .reservations import Visible, listed_column, price_cents, reserve
from .rules import check_rules, is_member, opening_intervals, who_may_book_refusal
from .series import MAX_SERIES_DAYS, SeriesResult, cancel_series, create_series, series_bookings_ahead
from .transitions import (
    FREES_UNITS,
    MACHINE,
    TRANSITION_BY,
    cancel,
    cancellation_deadline,
    check_in,
    checkin_window,
    transition,
)
from .waiting_list import accept_offer, join_waiting_list, leave_waiting_list, line_position, offer_free_units

__all__ = [
    "buy_pass",
    "cancel_pass",
    "holding_pass",
    "month_text",
    "pass_cancellable",
    "pass_months",
    "allowed_actions",
    "cancellation_deadline",
    "checkin_window",
    "RULE_CODES",
    "BookingError",
    "DayPlan",
    "FREES_UNITS",
    "MACHINE",
    "MAX_SERIES_DAYS",
    "RESCHEDULABLE_STATES",
    "TRANSITION_BY",
    "PLACE_COLUMNS",
    "RESOURCE_COLUMNS",
    "Refusal",
    "SeriesResult",
    "Slot",
    "Visible",
    "accept_offer",
    "active_units",
    "availability",
    "block_resource",
    "bookings_in_block",
    "cancel",
    "cancel_affected",
    "cancel_series",
    "series_bookings_ahead",
    "check_in",
    "check_rules",
    "complete_finished",
    "create_series",
    "day_plan",
    "duration_text",
    "expire_offers",
    "free_units",
    "is_member",
    "join_waiting_list",
    "leave_waiting_list",
    "lift_block",
    "line_position",
    "listed_column",
    "reschedule",
    "offer_free_units",
    "offered_slots",
    "opening_intervals",
    "peak_held_from",
    "place_from_columns",
    "price_cents",
    "reason_required",
    "release_no_shows",
    "reserve",
    "resource_from_columns",
    "run_scheduled_jobs",
    "transition",
    "who_may_book_refusal",
]
