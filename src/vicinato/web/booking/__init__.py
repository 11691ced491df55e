"""The booking pages: the person who books (calendar, bookings, series, waiting lists) and the place's operators
(resources and rules, named units, the day plan, blocks, check-in)."""
