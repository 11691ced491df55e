"""Tidy place names written in capitals in the city's open data ("QUARTO OGGIARO" -> "Quarto Oggiaro")."""

import re

_KEEP_UPPER = {"FS", "FN", "II", "III", "IV", "XXII", "XXV", "QT8", "M1", "M2", "M3", "M4", "M5"}
_LOWER = {"Di", "De", "Del", "Della", "Dei", "Delle", "Il", "La", "Le", "Lo", "Sul", "Sulla", "E"}
_ABBREVIATIONS = {"Q.Re": "Q.re", "P.Ta": "P.ta", "P.Za": "P.za", "V.Le": "V.le", "S.G.": "S.G."}


def tidy_name(name: str) -> str:
    if not name.isupper():
        return name.strip()
    words = []
    for index, word in enumerate(name.strip().split()):
        if word in _KEEP_UPPER:
            words.append(word)
            continue
        titled = word.title()
        titled = _ABBREVIATIONS.get(titled, titled)
        if index and titled in _LOWER:
            titled = titled.lower()
        words.append(titled)
    tidy = " ".join(words)
    # "CITTA'" is how the files write "Città": restore the accent.
    return re.sub(
        r"([aeiouAEIOU])'(?=\s|$|-)",
        lambda m: {"a": "à", "e": "è", "i": "ì", "o": "ò", "u": "ù"}.get(m.group(1).lower(), m.group(1)),
        tidy,
    )
