"""iCalendar documents (.ics files and feeds) in the site's time zone."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from icalendar import Calendar


def new_calendar(prodid: str, name: str) -> Calendar:
    """An empty calendar made by `prodid` (the app's product identifier) and shown to people as `name`."""
    made = Calendar()
    made.add("prodid", prodid)
    made.add("version", "2.0")
    made.add("calscale", "GREGORIAN")
    made.add("x-wr-calname", name)
    made.add("x-wr-timezone", settings.TIME_ZONE)
    return made


def ics_download(content: bytes, name: str) -> HttpResponse:
    """A calendar to save as `name`.ics (an attachment)."""
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response
