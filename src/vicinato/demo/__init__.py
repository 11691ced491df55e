"""The demo city: Milan's real areas, stations and streets with invented (and marked) organisations, places,
people, bookings, agreements and events, loaded app by app through each app's own functions."""
