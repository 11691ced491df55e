"""CSV downloads of usage, statements and reports: UTF-8, comma-separated, amounts as exact decimals (12.50)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.http import HttpResponse

from vicinato.lib import spreadsheet

from . import vouchers
from .services import BookingRow, UsageRow


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def usage_csv(filename: str, rows: list[UsageRow]) -> HttpResponse:
    return csv_response(
        filename,
        [
            "day",
            "place",
            "guest",
            "bookings",
            "check_ins",
            "no_shows",
            "cancelled",
            "desk_days",
            "amount_eur",
        ],
        [
            [
                r.day.isoformat(),
                r.place,
                r.guest,
                r.bookings,
                r.check_ins,
                r.no_shows,
                r.cancelled,
                r.desk_days,
                r.amount,
            ]
            for r in rows
        ],
    )


def bookings_csv(filename: str, rows: list[BookingRow]) -> HttpResponse:
    return csv_response(
        filename,
        ["day", "start", "end", "place", "resource", "guest", "person", "state", "units"],
        [
            [
                r.day.isoformat(),
                f"{r.start:%H:%M}",
                f"{r.end:%H:%M}",
                r.place,
                r.resource,
                r.guest,
                r.person,
                r.state,
                r.units,
            ]
            for r in rows
        ],
    )


def statement_csv(filename: str, entries) -> HttpResponse:
    return csv_response(
        filename,
        ["day", "programme", "place", "price_eur", "share_eur", "subsidy_eur", "state", "note"],
        [
            [
                e.day.isoformat(),
                e.programme.name,
                e.reservation.resource.place.name,
                e.price,
                e.share,
                e.amount,
                e.state,
                e.note,
            ]
            for e in entries
        ],
    )


def report_csv(filename: str, rows: list[vouchers.ReportRow]) -> HttpResponse:
    return csv_response(
        filename,
        [
            "month",
            "programme",
            "place",
            "bookings",
            "beneficiaries",
            "price_eur",
            "reserved_eur",
            "committed_eur",
            "released_eur",
        ],
        [
            [
                r.month,
                r.programme,
                r.place,
                r.bookings,
                len(r.beneficiaries),
                r.price,
                r.totals.reserved,
                r.totals.committed,
                r.totals.released,
            ]
            for r in rows
        ],
    )
