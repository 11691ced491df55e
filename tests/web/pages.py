"""Reading a page as a person does: its visible text, tags removed and spaces collapsed; and the values people
send where a page reads an id."""

import re

# Not ids (a digit that is not ASCII, letters, nothing, more than a 64-bit key): a 404 or left out, never a 500.
NOT_IDS = ["²", "abc", "", "99999999999999999999"]


def text(response) -> str:
    """The page's visible text, tags removed and spaces collapsed (for sentences split over lines)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
