"""The reports of what bookings saved: the city's dashboard, an employer's mobility manager's report and the
open data, all added up from `BookingImpact` rows only (see `aggregates` for the suppression of small cells)."""
