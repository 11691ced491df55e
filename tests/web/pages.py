"""Reading a page as a person does: its visible text, tags removed and spaces collapsed."""

import re


def text(response) -> str:
    """The page's visible text, tags removed and spaces collapsed (for sentences split over lines)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
