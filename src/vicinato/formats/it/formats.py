"""Italian dates as Italian writes them: "7 dicembre 2026", "lunedì 7 dicembre 2026, 09:30" (Django's own give
"07 Dicembre 2026"; the lower-case names come from our catalogue, see vicinato/lib/calendar_words.py). Only
the formats that differ from Django's Italian ones are here; Django falls back to its own for the rest."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "l j F Y, H:i"
